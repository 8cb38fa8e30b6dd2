"""The Klinik Walidata state machine: who may move a dataset from which state to which.

NTT's clinic reviews every sectoral dataset in five stages: the OPD prepares it
(draft), submits it to the walidata desk (submitted), the desk verifies it in
layers (verifying), the pembina data of its group assures quality where the
group has one (qa), the walidata ratifies it in a berita acara (ratified) and
publishes it. At stages 2 and 3 it can be sent back with findings (returned).

This module is the single description of that path: states, transitions,
roles, guards and effects, as data plus one function that decides. It knows
nothing about CKAN or the web; the actions in ``logic/action.py`` supply the
facts (roles, completeness, checks) and carry out the effects.
``python -m ckanext.walidata.workflow.machine`` prints the graph (Mermaid).
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from dataclasses import dataclass


class State(str, enum.Enum):
    DRAFT = "draft"                # persiapan data
    SUBMITTED = "submitted"        # diajukan
    VERIFYING = "verifying"        # verifikasi dan validasi berlapis
    RETURNED = "returned"          # dikembalikan ke OPD dengan temuan
    QA = "qa"                      # penjaminan mutu oleh pembina data
    VERIFIED = "verified"          # lolos verifikasi (dan penjaminan mutu), siap disahkan
    RATIFIED = "ratified"          # disahkan, berita acara dibuat
    PUBLISHED = "published"        # dipublikasikan
    WITHDRAWN = "withdrawn"        # ditarik


LABELS = {
    State.DRAFT: {"id": "Persiapan", "en": "Draft"},
    State.SUBMITTED: {"id": "Diajukan", "en": "Submitted"},
    State.VERIFYING: {"id": "Verifikasi", "en": "Verifying"},
    State.RETURNED: {"id": "Dikembalikan", "en": "Returned"},
    State.QA: {"id": "Penjaminan mutu", "en": "Quality assurance"},
    State.VERIFIED: {"id": "Siap disahkan", "en": "Verified"},
    State.RATIFIED: {"id": "Disahkan", "en": "Ratified"},
    State.PUBLISHED: {"id": "Dipublikasikan", "en": "Published"},
    State.WITHDRAWN: {"id": "Ditarik", "en": "Withdrawn"},
}


class Role(str, enum.Enum):
    PRODUSEN = "produsen"   # editor or admin of the dataset's OPD
    WALIDATA = "walidata"   # admin of the walidata organization, a named walidata, sysadmin
    PEMBINA = "pembina"     # configured QA user of the dataset's data group


# Who holds each role (workflow/roles.py maps CKAN users onto them), for docs/workflow.md.
ROLE_DOCS = {
    Role.PRODUSEN: "editors and admins of the dataset's OPD organization",
    Role.WALIDATA: "admins of `ckanext.walidata.walidata_organization`, the users named in "
                   "`ckanext.walidata.walidata_users`, and sysadmins; an editor or member of "
                   "the walidata organization is an ordinary produsen of its own datasets",
    Role.PEMBINA: "the users named in `ckanext.walidata.pembina.<data group>`",
}

# Data groups whose datasets need the pembina data's sign-off before ratification.
QA_GROUPS = {"statistik": "BPS", "geospasial": "BIG", "keuangan": "Kemenkeu"}


@dataclass(frozen=True)
class Facts:
    """What the decision needs to know about the dataset and the actor.

    ``producer`` says how the actor produces this dataset (e.g. "an editor of Dinas
    Kesehatan"), empty when they do not: a producer may not review their own data.
    ``actor_is`` says who the actor is, so that a refusal names their role.
    """

    roles: frozenset[Role]
    actor: str
    submitter: str | None = None
    producer: str = ""
    actor_is: str = ""
    data_group: str = "dataset"
    completeness: int = 0
    min_completeness: int = 80
    resources: int = 0
    comment: str = ""
    blocking_checks: tuple[str, ...] = ()
    pembina_configured: bool = True


def N_(message: str) -> str:
    """Marks a message for translation; the caller translates it (gettext_noop)."""
    return message


class Label(str):
    """A value of a reason that is itself a message, translated with the reason."""


# Who may take an action, what the action is called in a sentence, and as a noun: a
# refusal names the role and the step, never a state or action code.
ROLE_NAMES = {
    Role.PRODUSEN: Label(N_("the OPD that produces it")),
    Role.WALIDATA: Label(N_("the walidata")),
    Role.PEMBINA: Label(N_("the pembina data of its data group")),
}
VERBS = {
    "submit": Label(N_("submit")), "verify": Label(N_("verify")),
    "return": Label(N_("return")), "qa_approve": Label(N_("sign off the quality of")),
    "ratify": Label(N_("ratify")), "publish": Label(N_("publish")),
    "withdraw": Label(N_("withdraw")),
}
STEPS = {
    "submit": Label(N_("Submission")), "verify": Label(N_("Verification")),
    "return": Label(N_("A return to the OPD")), "qa_approve": Label(N_("A quality sign-off")),
    "ratify": Label(N_("Ratification")), "publish": Label(N_("Publication")),
    "withdraw": Label(N_("Withdrawal")),
}
NO_ROLE = Label(N_("signed in without a role in its review"))
# How a person is shown to readers who may not see user names: by role, as a title that
# can never be a CKAN user name (those are lower case, without spaces).
ROLE_TITLES = {
    Role.PRODUSEN: Label(N_("Produsen data (OPD)")),
    Role.WALIDATA: Label(N_("Walidata")),
    Role.PEMBINA: Label(N_("Pembina data")),
}

# A reason is a message template and its values, translated where it is shown. A value
# is shown as it is, translated (Label), joined by "or" (a tuple of Labels) or as the
# state's label (State).
Reason = tuple[str, dict[str, object]]


def _english(state: State) -> str:
    return LABELS[state]["en"]


class GuardFailed(Exception):
    """The transition is known but not allowed now; ``reasons`` say why, for the user."""

    def __init__(self, reasons: list[Reason]):
        super().__init__("; ".join(self._render(reasons)))
        self.reasons = reasons

    @staticmethod
    def _render(reasons: list[Reason], translate: Callable[[str], str] = str,
                state_label: Callable[[State], str] = _english) -> list[str]:
        def shown(value: object) -> object:
            if isinstance(value, State):
                return state_label(value)
            if isinstance(value, Label):
                return translate(value)
            if isinstance(value, tuple):
                names = [translate(v) for v in value]
                joined = names[0]
                for name in names[1:]:
                    joined = translate(N_("{first} or {second}")).format(
                        first=joined, second=name)
                return joined
            return value

        return [translate(template).format(**{k: shown(v) for k, v in values.items()})
                for template, values in reasons]

    def messages(self, translate: Callable[[str], str] = str,
                 state_label: Callable[[State], str] = _english) -> list[str]:
        """The reasons in the user's language, states by their label."""
        return self._render(self.reasons, translate, state_label)


Guard = Callable[[Facts], Reason | None]


def needs_complete_metadata(facts: Facts) -> Reason | None:
    if facts.completeness < facts.min_completeness:
        return (N_("Metadata completeness is {score}; at least {needed} is needed to submit."),
                {"score": facts.completeness, "needed": facts.min_completeness})
    return None


def needs_a_resource(facts: Facts) -> Reason | None:
    return None if facts.resources else (N_("The dataset has no data file (resource)."), {})


def needs_a_finding(facts: Facts) -> Reason | None:
    if facts.comment.strip():
        return None
    return (N_("Write the finding (what must be fixed and why)."), {})


def not_own_data(facts: Facts) -> Reason | None:
    """Separation of duties: who submitted or produces a dataset does not approve it."""
    if facts.submitter and facts.submitter == facts.actor:
        return (N_("You submitted this dataset, so another reviewer must approve it: "
                   "nobody approves their own submission."), {})
    if facts.producer:
        return (N_("You produce this dataset as {producer}, so a walidata outside its OPD "
                   "must approve it: nobody approves their own data."),
                {"producer": facts.producer})
    return None


def checks_pass(facts: Facts) -> Reason | None:
    if facts.blocking_checks:
        return (N_("The quality checks do not allow this yet: {checks}."),
                {"checks": ", ".join(facts.blocking_checks)})
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[State, ...]
    roles: tuple[Role, ...]
    target: Callable[[Facts], State]
    guards: tuple[Guard, ...] = ()
    effects: tuple[str, ...] = ()
    doc: str = ""


def _to(state: State) -> Callable[[Facts], State]:
    return lambda facts: state


def _after_verification(facts: Facts) -> State:
    """QA by the pembina data where the group has one and the portal has named them."""
    if facts.data_group in QA_GROUPS and facts.pembina_configured:
        return State.QA
    return State.VERIFIED


REVIEW_STATES = (State.SUBMITTED, State.VERIFYING, State.QA, State.VERIFIED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (State.DRAFT, State.RETURNED, State.WITHDRAWN),
               (Role.PRODUSEN,), _to(State.SUBMITTED),
               (needs_complete_metadata, needs_a_resource), ("notify_walidata",),
               "The OPD submits its dataset to the walidata desk."),
    Transition("verify", (State.SUBMITTED,), (Role.WALIDATA,), _to(State.VERIFYING),
               (not_own_data,), ("notify_opd",),
               "The desk found files and metadata complete; layered verification starts."),
    Transition("verify", (State.VERIFYING,), (Role.WALIDATA,), _after_verification,
               (not_own_data, checks_pass), ("notify_pembina",),
               "Verification passed: to the pembina data where the group has one."),
    Transition("qa_approve", (State.QA,), (Role.PEMBINA,), _to(State.VERIFIED),
               (not_own_data,), ("notify_walidata",),
               "The pembina data signs off the quality."),
    Transition("return", REVIEW_STATES, (Role.WALIDATA,), _to(State.RETURNED),
               (needs_a_finding,), ("notify_opd",),
               "Back to the OPD with findings to fix."),
    Transition("return", (State.QA,), (Role.PEMBINA,), _to(State.RETURNED),
               (needs_a_finding,), ("notify_opd",),
               "The pembina data sends it back with findings."),
    Transition("ratify", (State.VERIFIED,), (Role.WALIDATA,), _to(State.RATIFIED),
               (not_own_data, checks_pass), ("berita_acara", "notify_opd"),
               "Ratified and recorded in a numbered berita acara."),
    Transition("publish", (State.RATIFIED,), (Role.WALIDATA,), _to(State.PUBLISHED),
               (not_own_data, checks_pass), ("make_public", "notify_opd"),
               "Published on the portal and to the national portals."),
    Transition("withdraw", (State.DRAFT, State.SUBMITTED, State.RETURNED),
               (Role.PRODUSEN, Role.WALIDATA), _to(State.WITHDRAWN), (), ("make_private",),
               "The OPD withdraws what it no longer wants reviewed."),
    Transition("withdraw", (State.VERIFYING, State.QA, State.VERIFIED, State.RATIFIED,
                            State.PUBLISHED),
               (Role.WALIDATA,), _to(State.WITHDRAWN), (needs_a_finding,),
               ("make_private", "notify_opd"),
               "The walidata takes a dataset out of the review or off the portal, "
               "with a reason."),
)

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def transition_for(action: str, state: State, roles: frozenset[Role]) -> Transition | None:
    """The transition ``action`` takes from ``state`` for someone with ``roles``."""
    for transition in TRANSITIONS:
        if (transition.action == action and state in transition.sources
                and roles & set(transition.roles)):
            return transition
    return None


def decide(action: str, state: State, facts: Facts) -> tuple[Transition, State]:
    """The transition and new state, or GuardFailed with every reason it is refused."""
    if action not in ACTIONS:
        raise GuardFailed([(N_("Unknown review action {action}."), {"action": action})])
    transition = transition_for(action, state, facts.roles)
    if transition is None:
        who = tuple(dict.fromkeys(ROLE_NAMES[role] for t in TRANSITIONS
                                  if t.action == action and state in t.sources
                                  for role in t.roles))
        if who:
            raise GuardFailed([(N_("Only {who} may {verb} a dataset at this stage "
                                   "({state}); you are {actor}."),
                                {"who": who, "verb": VERBS[action], "state": state,
                                 "actor": facts.actor_is or NO_ROLE})])
        raise GuardFailed([(N_("{step} is not possible at this stage ({state})."),
                            {"step": STEPS[action], "state": state})])
    reasons = [reason for guard in transition.guards if (reason := guard(facts))]
    if reasons:
        raise GuardFailed(reasons)
    return transition, transition.target(facts)


def held_back(state: State, facts: Facts) -> dict[str, GuardFailed]:
    """The actions this actor's role allows now that a guard still holds back, with why.

    The review panel shows them beside the buttons, so that an OPD whose metadata are
    not complete enough learns what is missing instead of finding no button at all.
    """
    held: dict[str, GuardFailed] = {}
    for action in ACTIONS:
        transition = transition_for(action, state, facts.roles)
        if transition is None:
            continue
        reasons = [reason for guard in transition.guards if (reason := guard(facts))]
        if reasons:
            held[action] = GuardFailed(reasons)
    return held


def available(state: State, facts: Facts) -> list[str]:
    """The actions this actor may take now (guards included), for buttons."""
    allowed = []
    for action in ACTIONS:
        try:
            decide(action, state, facts)
        except GuardFailed:
            continue
        allowed.append(action)
    return allowed


def mermaid() -> str:
    """The graph of the machine, generated from TRANSITIONS (docs/workflow.md)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for transition in TRANSITIONS:
        roles = "/".join(r.value for r in transition.roles)
        targets = ({State.QA, State.VERIFIED} if transition.target is _after_verification
                   else {transition.target(Facts(frozenset(), ""))})
        for source in transition.sources:
            for target in sorted(targets, key=lambda s: s.value):
                lines.append(f"    {source.value} --> {target.value}: "
                             f"{transition.action} ({roles})")
    lines.append("    published --> [*]")
    return "\n".join(lines)


def markdown() -> str:
    """docs/workflow.md: the graph and the table of transitions, generated from this module."""
    rows = []
    for t in TRANSITIONS:
        targets = ("qa / verified" if t.target is _after_verification
                   else t.target(Facts(frozenset(), "")).value)
        rows.append(f"| `{t.action}` | {', '.join(s.value for s in t.sources)} | {targets} | "
                    f"{', '.join(r.value for r in t.roles)} | "
                    f"{', '.join(g.__name__ for g in t.guards) or '—'} | "
                    f"{', '.join(t.effects) or '—'} | {t.doc} |")
    states = "\n".join(f"| `{state.value}` | {LABELS[state]['id']} | {LABELS[state]['en']} |"
                       for state in State)
    return "\n".join([
        "# Klinik Walidata: the review workflow",
        "",
        "Generated from `ckanext/walidata/workflow/machine.py` by",
        "`python -m ckanext.walidata.workflow.machine > docs/workflow.md`; do not edit by hand.",
        "",
        "```mermaid", mermaid(), "```",
        "",
        "| state | Indonesian | English |", "| --- | --- | --- |", states,
        "",
        "| role | who |", "| --- | --- |",
        *(f"| {role.value} | {who} |" for role, who in ROLE_DOCS.items()),
        "",
        "`not_own_data`: nobody approves a dataset they submitted, or one they produce "
        "(editor or admin of its OPD, or its creator): the walidata organization's own "
        "datasets are approved by another walidata.",
        "",
        "| action | from | to | who | guards | effects | meaning |",
        "| --- | --- | --- | --- | --- | --- | --- |", *rows,
        "",
        f"Data groups with a pembina data sign-off: "
        f"{', '.join(f'{g} ({who})' for g, who in QA_GROUPS.items())}.",
        "",
    ])


if __name__ == "__main__":
    sys.stdout.write(markdown())
