from tests.core.fast_hashing import fast_password_hashing  # noqa: F401
