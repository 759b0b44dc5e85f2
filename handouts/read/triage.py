"""Read stage, the safety core: the severe-symptom lexicon and the verdicts built on it.

Decides, from the author's own words, whether a label or a sentence puts side effects
into the warning box. Pure functions of text: no model, no Markdown, no PDF.

The rules (README "Which side effects go in the warning box" says the same):

1. Labels decide, not item text. A label is severe when it uses a severity word
   (serious, severe, life-threatening, fatal, dangerous, boxed warning) or an urgency
   phrase (emergency, immediate(ly), urgent, right away, at once, seek/get medical
   help or attention, call your doctor), unless negated ("not serious", "less
   severe"), a range ("mild to severe"), or inside a leading concession ("While
   serious side effects are rare, ..."). Frequency words never decide: "Rare side
   effects" is not severe, "Rare but serious side effects" is.
2. A label made only of group words (frequency, severity, "side effects") names a
   group; anything else ("Severe allergic reactions") is an effect with a description.
3. Prose: a sentence is boxed when its subject names a severe group of effects and it
   lists members after include/including/such as/like/e.g. or a colon ("Less common
   but serious side effects include a and b."), or when it says to get help now and
   names what for ("Seek immediate medical attention if you have a severe allergic
   reaction", not "... any unusual symptoms"). A following sentence led by
   these/they/such joins it, and brings in the sentence before when that one names a
   severe group ("Serious side effects can occur. These include a.").
"""

from __future__ import annotations

import re

# Words that tell the reader to get help now; with the severity words they make SEVERE.
_URGENT = (r"emergenc\w*|immediate(ly)?|urgent(ly)?|right away|at once|"
           r"(seek|get|requires?|need) (\w+ )?medical (help|attention|care)|"
           r"call (your|a) (doctor|healthcare|care team)\w*")
URGENT = re.compile(rf"\b({_URGENT})\b")
SEVERE = re.compile(
    rf"\b(serious|severe|life[- ]threatening|fatal|dangerous|boxed warning|black box|{_URGENT})\b")
# Negated severity, and a range ("mild to severe") that describes rather than triages.
NOT_SEVERE = re.compile(
    r"\b((not|non|less|rarely|seldom|usually not|not usually)[- ](serious|severe)|"
    r"(mild|minor|moderate) to (moderate )?(serious|severe|life[- ]threatening))\b")
# A leading clause that concedes or explains ("While serious side effects are rare, ...")
# is not what the sentence says about its own list.
_CONCESSION = re.compile(
    r"^\s*(while|although|though|even though|whereas|since|because)\b[^,]*,\s*")
# Prose: a pronoun pointing back to the sentence before, a turn that ends a label, the
# marker after which a sentence lists members, and the nouns that make a subject a
# group of effects.
BACK = re.compile(r"\s*(these|they|those|such)\b", re.I)
_CONTRAST = re.compile(r"\s*(however|but|still|nevertheless|nonetheless|that said)\b", re.I)
_MARKER = re.compile(r"\b(includ(e|es|ed|ing)|such as|like|for example|namely)\b|\be\.g\.|:")
EFFECTS = re.compile(r"\b(side[- ]effects?|effects|reactions?|adverse events?|complications)\b")
# Words a group label may consist of (after dropping parentheses): anything else
# ("Severe allergic reactions") makes a list item's bold lead-in an effect, not a group.
_GROUP_WORDS = set(
    "very common commonly uncommon less more most frequent infrequent frequently rare rarely "
    "serious severe seriously potentially possibly possible life-threatening life threatening "
    "but and or other side effects effect adverse reactions reaction events include may "
    "mild moderate usually generally important warning warnings signs symptoms "
    "seek immediate immediately medical attention help emergency urgent call your doctor "
    "right away at once get occurring occur in of the with some".split()
)
# Words that say nothing about which effect is meant ("any unusual or severe symptoms"),
# spelled out on their own so that editing the group words never changes this set.
_VAGUE = set(
    "a above adverse all an and any are as at attention away be become becomes below "
    "bothersome but call changes common commonly concerning doctor effect effects "
    "emergency especially even events frequent frequently generally get help here if "
    "immediate immediately important in include including infrequent is issues it less "
    "life life-threatening listed may medical mentioned mild minor moderate more most new "
    "not occur occurring of once ones or other particularly persistent possible possibly "
    "potentially problems rare rarely reaction reactions right seek seem seems serious "
    "seriously severe side sign significant signs some such symptom symptoms that the "
    "them there these they this those threatening to troublesome uncommon unexpected "
    "unusual urgent usually very warning warnings which with worse worsen worsening "
    "worsens you your".split()
)
# "If you have X, seek help now": X ends where the instruction begins; a time clause in
# it ("after taking aspirin") says when, not what.
_CONDITION = re.compile(
    r"\bif you (experience|develop|notice|have|get|see|feel|suffer from|observe)\b(.*)", re.I)
_CONDITION_END = re.compile(
    r",\s*(seek|get|go|call|contact|consult|stop|discontinue|report|tell|inform|"
    r"immediately|promptly|please|you|it)\b", re.I)
_WHEN = re.compile(r"\b(after|while|during|following|when|before|since)\b[^,]*", re.I)


def normalise_label(text: str) -> str:
    """Lower case, parentheses and punctuation dropped: the form labels are compared in."""
    text = re.sub(r"\([^)]*\)", " ", text.lower())
    text = re.sub(r"[^\w\s'-]", " ", text)
    return " ".join(text.split())


def _main_clause(text: str) -> str:
    return _CONCESSION.sub("", text.lower(), count=1)


def is_severe(label: str) -> bool:
    return bool(SEVERE.search(NOT_SEVERE.sub(" ", _main_clause(label))))


def names_severe(text: str) -> bool:
    """A clause about a severe group of effects ("Serious side effects can occur")."""
    return is_severe(text) and bool(EFFECTS.search(_main_clause(text)))


def members(sentence: str) -> tuple[str, str] | None:
    """(subject, members) of a sentence that lists after a marker ("X include a, b")."""
    marker = _MARKER.search(sentence)
    if marker is None or not re.search(r"\w", sentence[marker.end():]):
        return None
    return sentence[:marker.start()], sentence[marker.end():]


def members_of_severe(sentence: str) -> bool:
    """"Less common but serious side effects include a and b." lists a severe group."""
    found = members(sentence)
    return found is not None and names_severe(found[0])


def urgent_about(sentence: str) -> bool:
    """"Seek immediate medical attention if you have a severe allergic reaction" names
    what needs urgent care; "... if you have any unusual symptoms" names nothing."""
    condition = _CONDITION.search(sentence)
    if condition is None or not URGENT.search(sentence.lower()):
        return False
    what = condition.group(2)
    end = _CONDITION_END.search(what)
    what = _WHEN.sub(" ", what[:end.start()] if end else what)
    return any(w not in _VAGUE for w in re.findall(r"[a-z]+", what.lower()))


def is_group_label(label: str) -> bool:
    words = normalise_label(label).replace("-", " ").split()
    return bool(words) and all(w in _GROUP_WORDS for w in words) and (
        is_severe(label) or any(w in ("common", "uncommon", "rare", "frequent", "infrequent",
                                      "mild", "moderate", "other") for w in words))


def leans_back(sentence: str) -> bool:
    """A sentence that needs the one before to say which effects it is about."""
    if _CONTRAST.match(sentence):
        return False
    return bool(BACK.match(sentence)) or not EFFECTS.search(sentence.lower())


def severe_sentences(texts: list[str]) -> list[bool]:
    """Which sentences of a paragraph belong in the warning box.

    A sentence does when it names a severe group and lists its members after a
    marker ("Less common but serious side effects include a and b."), or says to get
    help now for something it names (urgent_about); a sentence led by a pronoun joins
    the one before when that one is boxed ("These are rare."), or when that one names
    a severe group and this one lists it ("Serious side effects can occur. These
    include a and b.").
    """
    flags = [members_of_severe(t) or urgent_about(t) for t in texts]
    for i in range(1, len(texts)):
        if not BACK.match(texts[i]):
            continue
        if flags[i - 1] or (names_severe(texts[i - 1]) and members(texts[i]) is not None):
            flags[i - 1] = flags[i] = True
    return flags
