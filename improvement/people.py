"""How a person is named wherever the app shows one: pages, API, admin, exports."""


def display_name(user, *, nobody: str = "") -> str:
    """The user's full name, else their username; `nobody` when there is no user (the
    pages and the admin show "—", a CSV cell stays empty)."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
