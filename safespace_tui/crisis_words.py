"""Every crisis text a member or a senior member reads, in one place, to be read against
docs/VOICE.md: calm, plain, no blame, no promises the software cannot keep.

Members are told each step of their SOS in warm words; senior members are told what happened
and what is needed, clearly and urgently. Names passed in are already clean (services/), and
every string here is shown as plain text, never as markup.
"""

from __future__ import annotations

SOS_KEY = "Ctrl+S"
QUICK_EXIT_KEY = "Ctrl+X"

# -- the member ---------------------------------------------------------------------------------
COULD_NOT_SEND = (
    "Something went wrong on our side and your SOS could not be saved. "
    f"We're so sorry. Please reach out to one of these lines now, or try {SOS_KEY} again."
)


def unsaved_for_member(seniors_alerted: int) -> str:
    """An SOS the server could not save (its disk is full or read-only): honest about who knows."""
    if seniors_alerted:
        reached = f"{seniors_alerted} senior members online now were"
        if seniors_alerted == 1:
            reached = "1 senior member online now was"
        return (
            f"Your SOS could not be saved because of a problem on our side, but {reached} alerted. "
            "Please also reach out to one of these lines now."
        )
    return (
        "Your SOS could not be saved because of a problem on our side, and no senior member is online "
        "to alert. We're so sorry. Please reach out to one of these lines now."
    )


STILL_WAITING = (
    "No senior member has answered yet, so we have alerted them all again. "
    "You matter, and you don't have to wait alone."
)
QUICK_EXIT_LINE = f"{QUICK_EXIT_KEY} is a quick exit on every screen: it clears this window and leaves at once."
WITHDRAW_HINT = "If you're okay now, or it wasn't an SOS, /withdraw takes it back."
WITHDRAW_TITLE = "Take back your SOS?"
WITHDRAW_BODY = "That's all right, whichever it is. The senior members will be told, and nothing else changes."
WITHDRAW_NOTHING_OPEN = "You have no open SOS right now. If you need help, press Ctrl+S or type /sos."


def taken_for_member(senior: str) -> str:
    return f"{senior} has seen your SOS and is with you now. You can talk in #911."


# A newcomer still joining has no #911 yet: they stay in their onboarding, and a senior reaches out.
JOINING_STAY = (
    "You can stay right here, in your joining steps. A senior member will reach out to you as soon as "
    "they can; once you've joined, #911 is where you can talk with them."
)


def taken_for_joining(senior: str) -> str:
    return f"{senior} has seen your SOS and will reach out to you. You can stay right here."


def returned_for_member(senior: str) -> str:
    return (
        f"{senior} had to step away. Your SOS is waiting again and every senior member who is here "
        "has been told. You haven't done anything wrong."
    )


def handed_for_member(senior: str, new_senior: str) -> str:
    return f"{senior} asked {new_senior} to be with you. {new_senior} is with you now, in #911."


def handed_back_for_member(senior: str) -> str:
    return (
        f"{senior} asked the other senior members to be with you. Your SOS is waiting again and every "
        "senior member who is here has been told."
    )


def closed_for_member(senior: str) -> str:
    return (
        f"{senior} marked your SOS as looked after. Thank you for reaching out; we're glad you did. "
        f"If you need help again, {SOS_KEY} or /sos is always here."
    )


def reopened_for_member(senior: str) -> str:
    return f"{senior} opened your SOS again, so the senior members keep it in view."


def joined_for_member() -> str:
    return "Added to your open SOS. The senior members can read it in #911."


def withdrawn_for_member(moved_back: bool) -> str:
    words = "Thank you for letting us know. Your SOS is taken back and the senior members have been told."
    if moved_back:
        words += " Your message is back where you wrote it."
    return words + f" {SOS_KEY} is always here if you need it."


# -- senior members -------------------------------------------------------------------------------
def sos_headline(member: str) -> str:
    return f"{member} needs help now"


UNSAVED_TITLE = "⚠ SOS · could not be saved"


def unsaved_headline(member: str) -> str:
    """An SOS told from memory: the server could not save it, so it is not in the alerts pane."""
    return (
        f"{member} needs help now. The server could not save this SOS, so it is not in the alerts "
        "list: reach them in #911 or directly"
    )


def still_waiting_headline(member: str, times: int) -> str:
    return f"{member}: nobody has answered yet ({times}× alerted)"


def returned_headline(senior: str, member: str) -> str:
    """The words from issue 9: the alert is waiting again, and someone must come."""
    return f"{senior} had to step away — {member} still needs someone"


def handed_back_headline(senior: str, member: str) -> str:
    return f"{senior} handed this back — {member} still needs someone"


def handed_to_you(senior: str, member: str) -> str:
    return f"{senior} asked you to be with {member}. They have been told you're coming; t opens #911."


def waiting_since(seniors_then: int) -> str:
    """Honest about why a senior who just connected sees an old alert."""
    if seniors_then:
        return "Still waiting: nobody has taken this yet"
    return "Raised while no senior member was online"


def waiting_count(count: int) -> str:
    if count == 0:
        return "Nobody else is waiting right now."
    return "1 waiting for a senior member." if count == 1 else f"{count} waiting for a senior member."


NOTICE_KEYS = "F3 opens the alerts pane"
HOLDING_ENOUGH = "Ask another senior: h in the alerts pane hands an alert on."
CLOSE_TITLE = "Close {member}'s alert?"
CLOSE_BODY = (
    "Closing tells {member} their SOS was looked after. Choose a short private note for senior "
    "members (the member does not see it), or Esc to keep it open."
)
CLOSE_NOTES = ("They're safe for now", "False alarm", "They reached a crisis line or emergency services")
PLAN_TITLE = "Open {member}'s safety plan?"
PLAN_BODY = "Your reading is recorded and {member} can see that you read it."


# -- responder care (senior members) ---------------------------------------------------------------
def holding(count: int) -> str:
    """How many alerts this senior holds, counted from the store."""
    if count == 0:
        return "You hold no alerts"
    return "You hold 1 alert" if count == 1 else f"You hold {count} alerts"


DEBRIEF_TITLE = "A word for leadership?"
DEBRIEF_BODY = (
    "Being with someone in crisis takes something out of you too. If you like, leave a short "
    "private note for the admins: how it went, what you need. Only admins read it; {member} never "
    "does. Esc skips it."
)
DEBRIEF_PLACEHOLDER = "e.g. it was a hard one; I'd like to talk it over"
DEBRIEF_SAVED = "Thank you. Your note is with the admins, and only them."
SPOONS_REMINDER = "Please check your own spoons now (/spoons), and rest if you need to. You matter here too."
