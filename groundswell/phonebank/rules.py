"""A campaign's calling rules: when calls may be made and when a contact may be tried again."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from .models import CallCampaign, Outcome

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Outcomes after which the number is never tried again in this campaign, whatever the rules say.
FINAL_OUTCOMES = frozenset(
    {Outcome.COMPLETED, Outcome.WRONG_NUMBER, Outcome.REFUSED, Outcome.DO_NOT_CALL, Outcome.DECEASED}
)


def _parse_time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def window_for(campaign: CallCampaign, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
    """The calling window on `day` (local times), or None when the campaign does not call that day."""
    key = DAYS[day.weekday()]
    if key in (campaign.window_by_day or {}):
        override = campaign.window_by_day[key]
        if not override:
            return None
        return _parse_time(override[0]), _parse_time(override[1])
    return campaign.window_start, campaign.window_end


def describe_window(campaign: CallCampaign) -> str:
    """The calling hours in words for the pages: 'from 09:00 to 21:00', or 'at any hour' (start = end)."""
    if campaign.window_start == campaign.window_end:
        return "at any hour"
    return f"from {campaign.window_start:%H:%M} to {campaign.window_end:%H:%M}"


def in_window(campaign: CallCampaign, at: datetime.datetime) -> bool:
    """May a call be assigned at `at`? Windows are in the campaign's time zone (Europe/London by default), so
    09:00–21:00 stays 09:00–21:00 local across the clock change."""
    local = at.astimezone(ZoneInfo(campaign.time_zone))
    window = window_for(campaign, local.date())
    if window is None:
        return False
    start, end = window
    now = local.time().replace(tzinfo=None)
    if start == end:
        return True  # the same start and end: all day (e.g. a survey of members abroad)
    if start < end:
        return start <= now < end
    return now >= start or now < end  # a window past midnight


def next_window_opens(campaign: CallCampaign, after: datetime.datetime) -> datetime.datetime | None:
    """When calling next opens (for telling a caller 'come back at …'), within a week."""
    tz = ZoneInfo(campaign.time_zone)
    local = after.astimezone(tz)
    for offset in range(8):
        day = local.date() + datetime.timedelta(days=offset)
        window = window_for(campaign, day)
        if window is None:
            continue
        opens = datetime.datetime.combine(day, window[0], tzinfo=tz)
        if opens > after:
            return opens
    return None


def validate_window_by_day(value: object) -> dict:
    """Check a per-day override mapping; raises ValueError naming the bad day."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError("window_by_day must map mon…sun to [start, end] or null")
    for key, window in value.items():
        if key not in DAYS:
            raise ValueError(f"window_by_day: unknown day {key!r} (use {', '.join(DAYS)})")
        if window is None:
            continue
        if not (isinstance(window, list | tuple) and len(window) == 2):
            raise ValueError(f"window_by_day[{key}]: give [start, end], e.g. ['10:00', '16:00']")
        try:
            _parse_time(window[0]), _parse_time(window[1])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"window_by_day[{key}]: {exc}") from None
    return dict(value)


def retry_at(
    campaign: CallCampaign,
    outcome: str,
    attempts_after: int,
    now: datetime.datetime,
    callback_at: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """When the contact may be called again after `outcome`, or None if never (final, or out of attempts)."""
    if outcome in FINAL_OUTCOMES or attempts_after >= campaign.max_attempts:
        return None
    rule = (campaign.retry_rules or {}).get(outcome)
    if rule is None:
        return None
    if rule == "requested":
        # A requested time in the past (or none given) means "later today": give it half an hour.
        if callback_at is None or callback_at <= now:
            return now + datetime.timedelta(minutes=30)
        return callback_at
    return now + datetime.timedelta(minutes=int(rule))
