"""The OpenAPI document's error responses (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

drf-spectacular documents the success responses it sees in the views; the errors come
from DRF and `config.api.exception_handler` for every view alike, so they are declared
here, once, from what each operation takes:

- 400 `FieldErrors` where there is input to refuse: a request body, or query
  parameters other than paging (filters, ordering);
- 401 `ErrorDetail` where the caller must be signed in;
- 403 `ErrorDetail` on writes, which check the caller's role;
- 404 `ErrorDetail` where a path names an object, or a list has pages.

- and the few an operation adds of its own (EXTRA_ERRORS).

A response a view declares itself (409 for a refused move, …) is left as it is.
"""

ERROR_DETAIL = {
    "type": "object",
    "description": "What went wrong, in words.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "description": (
        "Messages by field name (`non_field_errors` for the whole object), or `detail` for "
        "a body that is not JSON. For a list of items: the errors of each item, by index."
    ),
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {}},
    ],
}
METHODS = {"get", "put", "post", "patch", "delete"}
# By path and method: errors particular to one operation.
EXTRA_ERRORS = {
    ("/api/auth/token/", "post"): {
        "429": ("ErrorDetail", "Too many failed sign-ins: locked out for a while (Retry-After).")
    },
}
PAGING = {"page", "page_size"}


def _response(component: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def document_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            parameters = operation.get("parameters", [])
            query = {p["name"] for p in parameters if p["in"] == "query"}
            errors = {}
            if "requestBody" in operation or query - PAGING:
                errors["400"] = _response("FieldErrors", "The input was refused.")
            body_types = operation.get("requestBody", {}).get("content", {})
            if body_types and "application/json" not in body_types:
                errors["415"] = _response(
                    "ErrorDetail", f"The body is not {' or '.join(sorted(body_types))}."
                )
            if {} not in operation.get("security", [{}]):
                errors["401"] = _response("ErrorDetail", "Not signed in (no or a bad token).")
            if method != "get":
                errors["403"] = _response("ErrorDetail", "The caller's role does not allow it.")
            if "page" in query or any(p["in"] == "path" for p in parameters):
                errors["404"] = _response("ErrorDetail", "No such object, or no such page.")
            for code, (component, description) in EXTRA_ERRORS.get((path, method), {}).items():
                errors[code] = _response(component, description)
            for code, response in errors.items():
                operation["responses"].setdefault(code, response)
    return result
