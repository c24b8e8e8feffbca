import pytest

from accounts.catalogues import compile_catalogues


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The .mo files, as `make test` builds them, for a run started with plain pytest."""
    compile_catalogues()


@pytest.fixture
def german(db):
    """A user who chose German."""
    from accounts.services import set_language
    from tests.factories import UserFactory

    user = UserFactory()
    set_language(user=user, language="de")
    return user


@pytest.fixture(autouse=True)
def back_to_the_default_language():
    """A request leaves its language active in the thread, as Django's LocaleMiddleware
    does; the next test starts from the site's default again."""
    from django.utils import translation

    yield
    translation.deactivate()
