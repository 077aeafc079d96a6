"""Errors raised by complaint actions; the API turns them into the DESIGN.md error shape."""


class ActionError(Exception):
    status = 422

    def __init__(self, detail: str, errors: list[tuple[str, str]] | None = None,
                 code: str = "invalid") -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.code = code


class NotFound(ActionError):
    status = 404


class Forbidden(ActionError):
    status = 403


class Conflict(ActionError):
    status = 409
