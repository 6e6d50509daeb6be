"""RFC 9457 problem details, the body of every error."""

from pydantic import BaseModel, Field


class ProblemError(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, such as `body.age`.")
    msg: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemError] | None = Field(
        default=None, description="For 422: each invalid field. The value sent is never echoed."
    )
