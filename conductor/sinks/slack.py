"""A cue as a Slack incoming-webhook message: Block Kit blocks built with `slack_sdk`'s models
(valid by construction) and a plain `text` fallback that carries the same content.

Mattermost takes the same payload: it ignores `blocks` and shows `text` (Markdown), which is
why the fallback is a whole message, not a summary.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

SEVERITY_MARK = {
    "info": ":information_source:",
    "warn": ":warning:",
    "critical": ":rotating_light:",
}
"""Emoji codes, which Slack and Mattermost both render."""
TEXT_LIMIT = 3000
"""Block Kit's limit on a section's text."""


def recipient_of(cue: dict[str, Any]) -> str:
    ((kind, name),) = cue["to"].items()
    return f"{kind} {name}"


def local_time(instant: str, timezone: str | None) -> str:
    """`Tue 03 Mar 21:00 (Europe/Berlin)`: in the score's timezone (UTC when not known)."""
    zone = timezone or "UTC"
    return f"{datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)):%a %d %b %H:%M} ({zone})"


def title(cue: dict[str, Any]) -> str:
    return f"{SEVERITY_MARK.get(cue['severity'], '')} {cue['kind']}: {cue['subject']}".strip()


def message(cue: dict[str, Any], dashboard_url: str | None = None) -> dict[str, Any]:
    """The webhook payload: `text` and `blocks`."""
    when = local_time(cue["at"], cue.get("timezone"))
    reason = cue["reason"][:TEXT_LIMIT]
    blocks: list[Block] = [
        HeaderBlock(text=title(cue)[:150]),
        SectionBlock(text=MarkdownTextObject(text=reason)),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*For*\n{recipient_of(cue)}"),
                MarkdownTextObject(text=f"*Severity*\n{cue['severity']}"),
                MarkdownTextObject(text=f"*When*\n{when}"),
                MarkdownTextObject(text=f"*Ensemble*\n{cue['ensemble']}"),
            ]
        ),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"cue `{cue['id']}` · score {cue['score']}")]
        ),
    ]
    if dashboard_url:
        blocks.append(ActionsBlock(elements=[ButtonElement(text="Dashboard", url=dashboard_url)]))
    text = (
        f"*{title(cue)}* for {recipient_of(cue)} ({cue['severity']}, {when}, "
        f"ensemble {cue['ensemble']})\n{reason}"
    )
    if dashboard_url:
        text += f"\nDashboard: {dashboard_url}"
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}
