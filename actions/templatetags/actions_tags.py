"""The action items' parts of improvement's pages: the initiative page's panel and My
work's list of open actions. Template tags, so improvement's views need not import
this app."""

from django import template

from actions import selectors

register = template.Library()


@register.inclusion_tag("actions/partials/panel.html", takes_context=True)
def action_items_panel(context, initiative, user):
    """`{% action_items_panel initiative user %}`: one query for the actions, one more
    for the people to assign when the user may add one."""
    return {
        **selectors.panel(initiative, user),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("actions/partials/my_actions.html")
def my_open_actions(user):
    """`{% my_open_actions user %}`: the user's open actions, due date first; one query."""
    return selectors.my_open_actions(user)
