"""/favicon.ico, which browsers ask for on their own: a temporary redirect (302: the hashed
URL changes with the file) to the SVG favicon the pages name, for a visitor too, so no
page load ends in a 404."""

from django.templatetags.static import static


def test_it_redirects_the_favicon_to_the_svg_for_a_visitor(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg") == "/static/favicon.svg"


def test_it_redirects_a_signed_in_user_there_too(client, user):
    client.force_login(user)

    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/favicon.svg")
