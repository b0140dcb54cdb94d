"""Self-harm wording (issue 9): the configured phrases, in their word forms, ask the gentle care
check; ordinary sentences never do. The corpus is the measure of the default list."""

from __future__ import annotations

from safespace_tui.config import DEFAULT_SELF_HARM_PHRASES
from safespace_tui.services.crisis import looks_like_self_harm

SHOULD_ASK = [
    "I cut again last night",
    "I've been cutting again",
    "I want to kill myself",
    "thinking about killing myself",
    "I hurt myself again",
    "I keep hurting myself",
    "I don't want to be here anymore",
    "i dont want to be here",
    "I do not want to be here",
    "I want to die",
    "I wanted to die all day",
    "I just want to end my life",
    "thinking of ending my life",
    "I'm feeling suicidal",
    "Suicidal thoughts again tonight",
    "I thought about suicide",
    "I cut myself",
    "I'm cutting myself again",
    "I relapsed into self harm",
    "self-harm urges are strong tonight",
    "the selfharm urges won't stop",
    "I took an overdose",
    "thinking about overdosing",
    "I wish I was dead",
    "I wish I were dead",
    "everyone would be better off without me",
    "I'd be better off dead",
    "I don't want to live anymore",
    "I can't go on like this",
    "I can't do this anymore",
    "I want to end it all",
    "I'm going to end it all tonight",
    "I harmed myself",
    "I burned myself on purpose",
    "I keep thinking about harming myself",
    "I don't want to be alive",
    "I want to disappear forever",
    "Part of me wants to die",
    "I don't feel safe with myself tonight",
    "I can't go on anymore",
    "there's no reason to live",
    "HURTING MYSELF feels like the only way",
]

MUST_NOT_ASK = [
    "I cut the onions for dinner",
    "My haircut looks great today",
    "The power cut again this morning",
    "I cut back on coffee this week",
    "I hurt my knee at the gym",
    "She hurt my feelings, but we talked it out",
    "That comedy was killing me",
    "I could kill for a cup of tea",
    "I'm dying to see the new film",
    "Not an emergency, but I finally slept 8 hours!",
    "I want to be here for my friends",
    "I'm so glad to be here",
    "I don't want to be late for therapy",
    "My therapist and I talked about boundaries",
    "Had a good day at the park",
    "I want to live near the sea someday",
    "We ended the session early",
    "I'm ending my lease next month",
    "My phone is dying",
    "The plants died while I was away",
    "No harm done, we laughed about it",
    "I took my meds on time",
    "I overslept again",
    "I'm cutting down on sugar",
    "The cutting board needs washing",
    "He cut in line at the store",
    "I went to a self-defence class",
    "Self-care day: a bath and a book",
    "I can go on a walk later",
    "I can't wait for the weekend",
    "I can't do mornings",
    "Better off staying in tonight",
    "The kids are better off with a snack",
    "I want to end this chapter of my life on a good note",
    "I'll be here all evening if anyone wants to chat",
    "I'm here for you",
    "I burned the toast",
    "The cat hurt himself jumping off the sofa",
    "I wish I was at the beach",
    "Disappearing into a good book tonight",
    "Ending it on a high note: I got the job!",
    "I can't go on the trip on Friday",
]


def test_self_harm_corpus_asks_for_every_phrase_and_never_for_ordinary_talk():
    missed = [s for s in SHOULD_ASK if not looks_like_self_harm(s, DEFAULT_SELF_HARM_PHRASES)]
    wrongly = [s for s in MUST_NOT_ASK if looks_like_self_harm(s, DEFAULT_SELF_HARM_PHRASES)]
    print(
        f"self-harm corpus: {len(SHOULD_ASK) - len(missed)}/{len(SHOULD_ASK)} phrases ask, "
        f"{len(MUST_NOT_ASK) - len(wrongly)}/{len(MUST_NOT_ASK)} ordinary sentences do not"
    )
    assert len(SHOULD_ASK) >= 40 and len(MUST_NOT_ASK) >= 40
    assert missed == [], f"these should ask gently: {missed}"
    assert wrongly == [], f"these must not ask: {wrongly}"


def test_a_configured_phrase_matches_its_word_forms():
    phrases = ("cut myself", "don't want to be here")
    assert looks_like_self_harm("Cutting my-self again", phrases)
    assert looks_like_self_harm("I do not want to be here", phrases)
    assert looks_like_self_harm("dont want to be here", phrases)
    assert not looks_like_self_harm("cut my hair", phrases)
    assert not looks_like_self_harm("anything", ())
