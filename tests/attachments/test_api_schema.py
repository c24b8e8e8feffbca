"""The attachments' endpoints are in the OpenAPI document (additions to the contract)."""

from rest_framework.test import APIClient


def test_it_documents_the_attachment_endpoints(db, user):
    client = APIClient()
    client.force_authenticate(user)

    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert {"get", "post"} <= set(paths["/api/initiatives/{id}/attachments/"])
    assert {"get", "delete"} <= set(paths["/api/attachments/{id}/"])
    assert "get" in paths["/api/attachments/{id}/download/"]
    upload = paths["/api/initiatives/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
