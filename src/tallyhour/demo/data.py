"""What the demo MSP is made of: its people, clients, ticket subjects and working habits."""

import datetime as dt
from dataclasses import dataclass

from tallyhour.accounts.models import Role, User
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket, TicketStatus

DEMO_PASSWORD = "demo"  # noqa: S105 - published in the README and printed by the command
MARKER_USERNAME = "engineer1"
WEEKS = 6
DOMAIN = "northwind-it.example"

SERVICE_DESK, PROJECTS = "Service Desk", "Projects"
REMOTE, ONSITE, PROJECT, OUT_OF_HOURS = (
    "Remote support",
    "Onsite support",
    "Project work",
    "Out-of-hours",
)
INTERNAL, TRAINING, TRAVEL, ADMIN = "Internal", "Training", "Travel", "Admin"
BILLABLE_RATES = {REMOTE: "85.00", ONSITE: "110.00", PROJECT: "125.00", OUT_OF_HOURS: "160.00"}
NON_BILLABLE = (INTERNAL, TRAINING, TRAVEL, ADMIN)


@dataclass(frozen=True)
class Person:
    """A demo user; agents log time, the billing user does not."""

    username: str
    first_name: str
    last_name: str
    role: str
    team: str = ""
    timezone: str = "Europe/London"
    early: bool = False  # works 08:00–16:30 instead of 09:00–17:30
    cost_rate: str = "0"
    target: str = "0.750"
    load: tuple[int, int] = (360, 480)  # minutes logged on an ordinary day
    training_weekday: int | None = None
    is_agent: bool = True

    @property
    def is_engineer(self) -> bool:
        return self.role == Role.ENGINEER


ENGINEER = Role.ENGINEER
# fmt: off
PEOPLE = [
    Person("admin", "Grace", "Holloway", Role.ADMIN, PROJECTS, cost_rate="55.00",
           target="0.300", load=(150, 270)),
    Person("approver", "Daniel", "Okafor", Role.APPROVER, SERVICE_DESK, cost_rate="42.00",
           target="0.450", load=(210, 330)),
    Person("billing", "Priya", "Shah", Role.BILLING, is_agent=False),
    Person("engineer1", "Tom", "Bradley", ENGINEER, SERVICE_DESK, early=True,
           cost_rate="30.00", target="0.800", training_weekday=3),
    Person("engineer2", "Aisha", "Rahman", ENGINEER, SERVICE_DESK, cost_rate="32.00",
           target="0.800"),
    Person("engineer3", "Liam", "Doherty", ENGINEER, SERVICE_DESK, early=True,
           cost_rate="28.00", target="0.800", training_weekday=1),
    Person("engineer4", "Sophie", "Marsh", ENGINEER, SERVICE_DESK, cost_rate="31.00",
           target="0.800"),
    Person("engineer5", "Jonas", "Weber", ENGINEER, SERVICE_DESK, timezone="Europe/Berlin",
           early=True, cost_rate="34.00", target="0.750", training_weekday=4),
    Person("engineer6", "Megan", "Price", ENGINEER, PROJECTS, early=True, cost_rate="38.00",
           target="0.750"),
    Person("engineer7", "Callum", "Fraser", ENGINEER, PROJECTS, cost_rate="36.00",
           target="0.750", training_weekday=2),
    Person("engineer8", "Ethan", "Brooks", ENGINEER, PROJECTS, timezone="America/New_York",
           cost_rate="40.00", target="0.700"),
]
# fmt: on
TEAM_APPROVERS = {SERVICE_DESK: "approver", PROJECTS: "admin"}
# The leads' own weeks are approved by each other (nobody approves their own time).
LEAD_APPROVERS = {"approver": "admin", "admin": "approver"}
HOLIDAY_REGIONS = {
    "Europe/London": ("GB", "ENG"),
    "Europe/Berlin": ("DE", "BE"),
    "America/New_York": ("US", "NY"),
}

# What happened to last week's timesheet; older weeks are all approved, this week is draft.
LAST_WEEK = {
    "admin": "submitted",
    "approver": "submitted",
    "engineer1": "submitted",
    "engineer2": "draft",
    "engineer3": "submitted",
    "engineer4": "rejected",
    "engineer5": "submitted",
    "engineer6": "submitted",
    "engineer7": "approved",
    "engineer8": "draft",
}
REJECTED_AGENT = "engineer4"
REJECTION_REASON = (
    "Wednesday afternoon is missing. Please add the time, or a comment saying why there is a "
    "gap, and resubmit."
)
TIMER_AGENT = "engineer2"


@dataclass(frozen=True)
class ClientSpec:
    """A demo client and how much work it sends."""

    name: str
    address: str
    size: int  # relative share of tickets
    currency: str = "GBP"
    tax_rate: str = "20.00"
    projects: bool = False
    terms: int | None = None


CLIENTS = [
    ClientSpec("Harrow & Finch Solicitors LLP", "14 Bank Street\nLeeds\nLS1 5AT", 9, projects=True),
    ClientSpec("Brightwater Dental Practice", "3 Chapel Road\nHarrogate\nHG1 1BD", 5),
    ClientSpec(
        "Calder Valley Engineering Ltd",
        "Unit 7, Mill Lane Industrial Estate\nHalifax\nHX3 6TR",
        8,
        projects=True,
        terms=30,
    ),
    ClientSpec("Pennine Property Management Ltd", "22 Station Parade\nSkipton\nBD23 1ND", 6),
    ClientSpec("Ashdown Veterinary Group", "The Old Forge, Main Street\nIlkley\nLS29 9DT", 5),
    ClientSpec("Marlowe Architects Ltd", "5 Wharf Approach\nLeeds\nLS1 4BR", 6, projects=True),
    ClientSpec(
        "Redbrook Logistics Ltd",
        "Redbrook House, Junction 41 Business Park\nWakefield\nWF2 0XJ",
        8,
        projects=True,
        terms=30,
    ),
    ClientSpec("St Aldhelm's Primary Academy", "School Lane\nOtley\nLS21 3HB", 4),
    ClientSpec("Thornbury Accountancy Services", "41 Westgate\nBradford\nBD1 2QR", 5),
    ClientSpec("Kestrel Marketing Ltd", "Studio 3, The Round Foundry\nLeeds\nLS11 5QP", 4),
    ClientSpec(
        "Oakfield Care Homes Ltd", "Oakfield House, Moor Road\nKeighley\nBD21 4AP", 7, projects=True
    ),
    ClientSpec("Northgate Builders Merchants Ltd", "Northgate Yard\nDewsbury\nWF13 1EA", 5),
    ClientSpec("Wrenfield Financial Planning Ltd", "8 Albion Place\nLeeds\nLS1 6JL", 4),
    ClientSpec("Bramley & Sons Estate Agents", "117 Town Street\nBramley\nLS13 2AZ", 3),
    ClientSpec("Ironbridge Print Works Ltd", "Unit 2, Canal Wharf\nHuddersfield\nHD1 6QA", 4),
    ClientSpec("Heron Point Hotels Ltd", "Heron Point, Lakeside Road\nWindermere\nLA23 1BQ", 5),
    ClientSpec("Castlegate Physiotherapy Clinic", "9 Castlegate\nYork\nYO1 9RN", 3),
    ClientSpec("Meridian Recruitment Partners Ltd", "Floor 4, 1 Park Row\nLeeds\nLS1 5AB", 4),
    # A UK subsidiary whose Dutch parent pays its IT bills in euros.
    ClientSpec(
        "Vanderberg Freight UK Ltd", "Dock Road\nHull\nHU9 1TA", 4, currency="EUR", projects=True
    ),
    # Jersey is outside the UK VAT area, so its invoices carry no VAT.
    ClientSpec(
        "St Helier Marine Insurance Ltd",
        "12 Esplanade\nSt Helier\nJersey\nJE2 3QA",
        3,
        tax_rate="0.00",
    ),
]

CONTACTS = [
    "Sarah",
    "James",
    "Helen",
    "Mark",
    "Rachel",
    "Paul",
    "Emma",
    "Chris",
    "Laura",
    "Gareth",
    "Nicola",
    "Ian",
    "Joanne",
    "Andrew",
    "Kirsty",
    "Stuart",
    "Hannah",
    "Neil",
    "Claire",
    "Dominic",
]
SUMMARIES = {
    "remote": [
        "Outlook keeps asking for password",
        "Printer on first floor offline",
        "VPN drops every few minutes",
        "Shared mailbox not showing in Outlook",
        "Leaver: disable account and archive mailbox for {person}",
        "Teams calls dropping audio",
        "OneDrive not syncing",
        "MFA reset for {person}",
        "Phishing email reported by {person}",
        "Backup job failed overnight",
        "SSL certificate renewal for website",
        "Scan to email not working",
        "Laptop running very slowly",
        "Password reset and account unlock for {person}",
        "Install Adobe Acrobat Pro for {person}",
        "Server disk space low",
        "Calendar permissions for PA",
        "Domain renewal",
        "Set up email on {person}'s new phone",
        "Emails to external domain bouncing",
        "Mapped drives missing after login",
        "Cannot print PDF attachments",
        "Antivirus alert on reception PC",
        "Sage payroll update",
        "Add {person} to accounts distribution list",
        "Voicemail to email not arriving",
        "Quarterly patching review",
        "Excel crashes when opening shared workbook",
        "Wi-Fi password change for guests",
        "Recover deleted folder from SharePoint",
    ],
    "onsite": [
        "New starter laptop setup for {person}",
        "Office move: patch and test desks",
        "Set up new Wi-Fi access point",
        "Replace failed disk in NAS",
        "Switch port not working at desk 14",
        "Install meeting room screen and camera",
        "Replace UPS batteries in comms cabinet",
        "Wi-Fi slow in meeting room",
        "CCTV recorder offline",
    ],
    "ooh": [
        "Firewall firmware update",
        "Out-of-hours server patching",
        "Weekend switch replacement",
        "Evening mail flow cutover",
        "Core switch reboot window",
    ],
    "project": [
        "Microsoft 365 migration",
        "Intune device enrolment rollout",
        "Server 2016 decommission",
        "New branch office network",
        "SharePoint document library migration",
        "Backup platform replacement",
        "Cyber Essentials Plus remediation",
        "Firewall replacement project",
        "Wi-Fi survey and upgrade",
        "Windows 11 rollout",
        "Conditional access rollout",
        "Azure Virtual Desktop pilot",
    ],
}
KIND_CHARGE = {"remote": REMOTE, "onsite": ONSITE, "ooh": OUT_OF_HOURS, "project": PROJECT}
TICKET_NOTES = {
    "remote": [
        "Remote session with the user",
        "Investigated logs and settings",
        "Applied fix and asked the user to test",
        "Called the user to confirm it is fixed",
        "Reproduced the issue, escalated to the vendor",
        "Updated the client's documentation",
        "Checked the configuration against our standard",
        "Chased the user for an update",
        "Applied updates and rebooted",
    ],
    "onsite": [
        "On site: installed and configured",
        "On site: replaced hardware and tested",
        "On site: cabling and patching",
        "On site: set up user and handed over",
    ],
    "ooh": [
        "Maintenance window: update applied and services checked",
        "Evening work: change completed, monitoring clean",
    ],
    "project": [
        "Planning session with the client",
        "Build and configuration",
        "Testing with the pilot group",
        "Wrote the runbook and rollback plan",
        "Progress call with the client",
        "Fixed issues found in testing",
    ],
}
INTERNAL_NOTES = [
    "Patch review meeting",
    "Knowledge base write-up",
    "Monitoring alerts triage",
    "Lab testing new RMM policy",
]
TRAINING_NOTES = [
    "Microsoft 365 administration course",
    "Fortinet NSE module",
    "Azure fundamentals study",
    "Security awareness training",
]
LEAD_ADMIN_NOTES = {
    "approver": ["Rota, approvals and escalations", "Service review prep", "Queue review"],
    "admin": ["Account management call", "Quotes and proposals", "Supplier meeting"],
}
SHORT_DAY_REASONS = [
    "dentist appointment",
    "half day leave",
    "left early, unwell",
    "school pick-up, made up later",
]
DURATIONS = [15, 20, 30, 30, 45, 45, 60, 60, 75, 90, 120]


@dataclass
class TicketPlan:
    """A ticket and the days it is worked on (no days: not started yet)."""

    kind: str
    client: Client
    summary: str
    details: str
    assignee: User | None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    status: str = TicketStatus.NEW
    created_at: dt.datetime | None = None
    ticket: Ticket | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.first_day is not None and self.first_day <= day <= self.last_day  # type: ignore[operator]


@dataclass
class Block:
    """One planned entry: minutes of work on a ticket or an activity."""

    minutes: int
    note: str
    ticket: TicketPlan | None = None
    charge_type: str | None = None  # None: the ticket's charge type

    @property
    def charge_type_name(self) -> str:
        if self.charge_type:
            return self.charge_type
        assert self.ticket is not None
        return KIND_CHARGE[self.ticket.kind]
