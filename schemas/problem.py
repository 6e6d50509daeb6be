"""RFC 9457 problem details, the body of every error."""

from pydantic import BaseModel, ConfigDict, Field


class ProblemError(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, such as `body.age`.")
    msg: str


class Problem(BaseModel):
    # The service always sends these four (the document says so); a client reading another
    # server's problem, or a proxy's, takes what comes.
    model_config = ConfigDict(json_schema_extra={"required": ["type", "title", "status", "detail"]})

    type: str = Field(
        default="about:blank",
        description="A URI naming the kind of problem; `about:blank` for HTTP's own.",
    )
    title: str
    status: int
    detail: str | None = Field(
        default=None, description="What went wrong here, and what to do about it."
    )
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemError] | None = Field(
        default=None, description="For 422: each invalid field. The value sent is never echoed."
    )
