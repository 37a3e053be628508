"""The local picture: a seat's projection combined with its canvass returns, weighted to the whole register.

Canvassers reach some electors far more than others (older people at home, streets near the committee
room, regular voters), so raw canvass percentages are not a forecast and are never shown as one. Electors
are put in cells (ward or polling district × age band × turnout history); within each cell the returns
update the projection's share (a beta prior worth PRIOR_STRENGTH electors), and cells are weighted by their
size on the register. Cells nobody was contacted in stay at the projection.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from groundswell.canvassing.models import CanvassCampaign, Contact
from groundswell.geography.models import Constituency, PollingDistrict
from groundswell.questions.models import SupportCode
from groundswell.questions.support_codes import support_codes_for
from groundswell.register.models import Elector, TurnoutRecord

PRIOR_STRENGTH = 20.0
Z90 = 1.645
# Only answers that say who someone will vote for count towards a share; undecided and won't-say do not.
DECIDED = {SupportCode.Category.OURS, SupportCode.Category.OTHER_PARTY, SupportCode.Category.AGAINST}


def age_band(born: dt.date | None, today: dt.date) -> str:
    if born is None:
        return "age unknown"
    age = (today - born).days // 365
    return "18–34" if age < 35 else "35–54" if age < 55 else "55+"


@dataclass
class Cell:
    area: str
    age: str
    turnout: str
    register: int = 0
    spoken: int = 0
    decided: int = 0
    ours: int = 0
    estimate: float = 0.0


@dataclass
class LocalPicture:
    constituency: str
    register: int
    spoken: int  # electors with at least one conversation
    never_spoken: int
    prior_share: float  # the projection's share for our party
    estimate: float  # weighted share for our party
    low: float
    high: float
    cells: list[Cell] = field(default_factory=list)

    @property
    def never_spoken_share(self) -> float:
        return self.never_spoken / self.register if self.register else 0.0


def local_picture(
    constituency: Constituency, prior_share: float, prior_sd: float = 0.05, today: dt.date | None = None
) -> LocalPicture:
    """Combine `prior_share` (the projection for our party here, with its standard deviation) with the canvass.

    Which codes count as ours comes from the support codes in force at the unit running the seat's latest
    canvass campaign."""
    today = today or dt.date.today()
    campaign = CanvassCampaign.objects.filter(constituency=constituency).order_by("-created_at", "-pk").first()
    if campaign is not None:
        categories = {code: sc.category for code, sc in support_codes_for(campaign.unit).items()}
    else:
        categories = dict(SupportCode.objects.values_list("code", "category"))
    ward_of = dict(
        PollingDistrict.objects.filter(constituency=constituency, ward__isnull=False).values_list("code", "ward__name")
    )
    electors = Elector.objects.filter(constituency=constituency, deleted_at__isnull=True)
    voted = set(
        TurnoutRecord.objects.filter(elector__in=electors)
        .exclude(mark=TurnoutRecord.Mark.DID_NOT_VOTE)
        .values_list("elector_id", flat=True)
    )
    with_records = set(TurnoutRecord.objects.filter(elector__in=electors).values_list("elector_id", flat=True))
    latest: dict[int, str] = {}
    spoken_ids = set()
    for elector_id, code in (
        Contact.objects.filter(elector__in=electors, outcome="spoke")
        .order_by("occurred_at", "pk")
        .values_list("elector_id", "support_code")
    ):
        spoken_ids.add(elector_id)
        if code:
            latest[elector_id] = code  # the most recent answer wins
    cells: dict[tuple[str, str, str], Cell] = {}
    for pk, district, born in electors.values_list("pk", "polling_district", "person__date_of_birth"):
        turnout = "voted before" if pk in voted else "did not vote" if pk in with_records else "no history"
        key = (ward_of.get(district, district), age_band(born, today), turnout)
        cell = cells.setdefault(key, Cell(*key))
        cell.register += 1
        if pk in spoken_ids:
            cell.spoken += 1
        category = categories.get(latest.get(pk, ""))
        if category in DECIDED:
            cell.decided += 1
            cell.ours += category == SupportCode.Category.OURS
    register = sum(c.register for c in cells.values())
    spoken = sum(c.spoken for c in cells.values())
    estimate = variance = resting_on_prior = 0.0
    for cell in cells.values():
        k = PRIOR_STRENGTH
        cell.estimate = (k * prior_share + cell.ours) / (k + cell.decided)
        weight = cell.register / register
        estimate += weight * cell.estimate
        # Sampling noise of the answers themselves (none where nobody answered)…
        variance += weight**2 * cell.decided * cell.estimate * (1 - cell.estimate) / (k + cell.decided) ** 2
        # How much of the estimate still rests on the projection: its error is shared by every cell, so it
        # adds linearly rather than in quadrature.
        resting_on_prior += weight * k / (k + cell.decided)
    sd = math.sqrt(variance + (resting_on_prior * prior_sd) ** 2)
    return LocalPicture(
        constituency=constituency.code,
        register=register,
        spoken=spoken,
        never_spoken=register - spoken,
        prior_share=prior_share,
        estimate=estimate if register else prior_share,
        low=max(0.0, estimate - Z90 * sd) if register else max(0.0, prior_share - Z90 * prior_sd),
        high=min(1.0, estimate + Z90 * sd) if register else min(1.0, prior_share + Z90 * prior_sd),
        cells=sorted(cells.values(), key=lambda c: (c.area, c.age, c.turnout)),
    )


def canvassed_constituencies() -> list[Constituency]:
    """Constituencies with at least one canvass conversation recorded."""
    ids = Elector.objects.filter(contacts__outcome="spoke").values_list("constituency_id", flat=True).distinct()
    return list(Constituency.objects.filter(pk__in=list(ids)).order_by("name"))
