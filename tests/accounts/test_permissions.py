"""Who approves whom and who sees which agents."""

import pytest

from tallyhour.accounts.models import Role
from tallyhour.accounts.permissions import (
    approved_agent_ids,
    approvers_of,
    can_approve,
    can_see_agent,
)
from tallyhour.accounts.selectors import agents_visible_to
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


def visible(actor) -> set[str]:
    return {a.user.username for a in agents_visible_to(actor)}


def test_team_approver_approves_team(engineer, approver, other_approver):
    assert approvers_of(engineer) == [approver]
    assert can_approve(approver, engineer)
    assert not can_approve(other_approver, engineer)
    assert set(approved_agent_ids(approver).values_list("user_id", flat=True)) == {engineer.pk}


def test_personal_approver_overrides_team(engineer, approver, other_approver):
    engineer.agent.timesheet_approver = other_approver
    engineer.agent.save()
    assert approvers_of(engineer) == [other_approver]
    assert can_approve(other_approver, engineer)
    assert not can_approve(approver, engineer)
    assert not approved_agent_ids(approver).filter(user=engineer).exists()


def test_nobody_approves_themselves_not_even_admin(admin, approver, team_a):
    approver.agent.teams.add(team_a)  # the approver is in the team they approve
    assert not can_approve(approver, approver)
    assert not approved_agent_ids(approver).filter(user=approver).exists()
    assert not can_approve(admin, admin)


def test_admin_approves_anyone_else(admin, engineer, other_engineer):
    assert can_approve(admin, engineer) and can_approve(admin, other_engineer)


def test_user_without_agent_profile_has_no_approvers(billing):
    assert approvers_of(billing) == []


def test_visibility_by_role(engineer, other_engineer, approver, other_approver, billing, admin):
    everyone = {"engineer", "other_engineer", "approver", "other_approver", "admin"}
    assert visible(engineer) == {"engineer"}
    assert visible(approver) == {"approver", "engineer"}
    assert visible(other_approver) == {"other_approver", "other_engineer"}
    assert visible(billing) == everyone
    assert visible(admin) == everyone
    assert can_see_agent(approver, engineer.pk)
    assert not can_see_agent(approver, other_engineer.pk)
    assert not can_see_agent(engineer, approver.pk)


def test_approver_in_two_teams_sees_each_agent_once(approver, team_a, engineer):
    from tests.factories import TeamFactory

    second = TeamFactory(name="Second", approver=approver)
    engineer.agent.teams.add(second)
    assert [a.user.username for a in agents_visible_to(approver)].count("engineer") == 1


def test_superuser_counts_as_admin(org):
    root = UserFactory(username="root", role=Role.ENGINEER, is_superuser=True)
    AgentFactory(user=root)
    assert root.is_admin_role and root.is_billing_role


def test_role_predicates(engineer, approver, billing, admin):
    from tallyhour.accounts import permissions
    from tallyhour.core.errors import Forbidden

    assert [permissions.can_bill(u) for u in (engineer, approver, billing, admin)] == [
        False,
        False,
        True,
        True,
    ]
    assert [permissions.can_admin(u) for u in (engineer, approver, billing, admin)] == [
        False,
        False,
        False,
        True,
    ]
    assert [permissions.can_use_approvals(u) for u in (engineer, approver, billing, admin)] == [
        False,
        True,
        False,
        True,
    ]
    assert permissions.can_log_for(admin, engineer) and not permissions.can_log_for(
        approver, engineer
    )
    with pytest.raises(Forbidden, match="billing only"):
        permissions.require_billing(approver, "billing only")
    permissions.require_billing(billing, "billing only")
