"""The NinjaAPI instance: auth, the error format, and every app's router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Tallyhour API", version="1", urls_namespace="api")
