"""`If-Match`: a write goes ahead only on the version its writer read (RFC 9110)."""

from service.errors import PreconditionFailed, PreconditionRequired


def _quoted(tag: str) -> str:
    return tag if tag.startswith('"') and tag.endswith('"') and len(tag) > 1 else f'"{tag}"'


def check_if_match(current: str, if_match: str, *, what: str, required: bool) -> None:
    """Refuse the write unless `if_match` names `current`, the ETag of `what` as it is now:
    as sent, or weakened by a proxy (W/), or with its quotes lost by a script that cut the
    header's value, each still names one version; another version is a 412. `*` names none
    (RFC 9110: any current version): where If-Match is `required` it is no guard against a
    lost update (428); where it is not, it asks no more than sending none, and passes."""
    offered = {tag.strip() for tag in if_match.split(",")}
    if "*" in offered:
        if not required:
            return
        raise PreconditionRequired(f"If-Match: * names no version; send the ETag of the {what}.")
    if current not in {_quoted(tag.removeprefix("W/")) for tag in offered}:
        raise PreconditionFailed(
            f"The {what} changed since you read it. Read it again, reapply, and retry."
        )
