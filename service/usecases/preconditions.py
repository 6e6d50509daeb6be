"""`If-Match`: a write goes ahead only on the version its writer read (RFC 9110)."""

from service.errors import PreconditionFailed, PreconditionRequired


def _quoted(tag: str) -> str:
    return tag if tag.startswith('"') and tag.endswith('"') and len(tag) > 1 else f'"{tag}"'


def check_if_match(current: str, if_match: str, *, what: str) -> None:
    """Refuse the write unless `if_match` names `current`, the ETag of `what` as it is now:
    as sent, or weakened by a proxy (W/), or with its quotes lost by a script that cut the
    header's value, each still names one version. `*` names none: any version at all is no
    guard against a lost update (428); another version is a 412."""
    offered = {tag.strip() for tag in if_match.split(",")}
    if "*" in offered:
        raise PreconditionRequired(f"If-Match: * names no version; send the ETag of the {what}.")
    if current not in {_quoted(tag.removeprefix("W/")) for tag in offered}:
        raise PreconditionFailed(
            f"The {what} changed since you read it. Read it again, reapply, and retry."
        )
