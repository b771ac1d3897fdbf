"""The product's settings with a one-view URLconf: the floor the API figures compare with."""

from tallyhour.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
