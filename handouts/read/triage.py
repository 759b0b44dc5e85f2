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
   severe group ("Serious side effects can occur. These include a."); an urgent
   sentence brings in the one before when that one describes the effect it names
   ("Allergic reactions such as hives can occur. Seek help if one is suspected.").
4. Under a severe label, general advice that names no effect and points back at none
   ("It's crucial to report any concerning side effects ...") is not a symptom.
Each verdict has a reason in plain words (label_rule, sentence_verdicts) for review.
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
# A parenthetical describes ("Heart failure (rare but serious)"), it names no group; one
# left open at the end of a subject too ("Allergic reactions (rare but serious, including").
_PARENTHETICAL = re.compile(r"\([^)]*(\)|$)")
# Later in a sentence, a severe group is named in the plural ("including serious ones
# like ..."); "A serious side effect, characterized by symptoms like ..." describes one.
_SEVERE_GROUP = re.compile(
    r"\b(serious|severe|life[- ]threatening|dangerous|fatal)\b[\w\s,-]*?"
    r"\b(ones|side[- ]effects|effects|reactions|adverse events|complications)\b")
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
# "If you experience ...", or a condition that names its effect itself, in the words
# before its noun ("if an allergic reaction is suspected"; not "if any adverse reaction
# occurs", "if symptoms worsen or persist", "if this happens").
_CONDITION = re.compile(
    r"\bif\s+(?:you\s+(?:experience|develop|notice|have|get|see|feel|suffer from|observe)"
    r"\b(.*)|(?!you\b)(.*?\b(?:reactions?|effects?|symptoms?|signs?)\b(?:\s+of\s+[\w\s-]+)?))",
    re.I)
# Verbs of a condition without "you": they say that something happens, not what.
_HAPPENS = set("develop develops developed occur occurs occurred happen happens arise arises "
               "appear appears persist persists is are be suspected seen noticed "
               "experienced".split())
_CONDITION_END = re.compile(
    r",\s*(seek|get|go|call|contact|consult|stop|discontinue|report|tell|inform|"
    r"immediate(ly)?|medical|prompt(ly)?|urgent(ly)?|please|you|it)\b", re.I)
_WHEN = re.compile(r"\b(after|while|during|following|when|before|since)\b[^,]*", re.I)
# What else a condition may say without naming an effect: a further "if you notice", and
# a catch-all over a part of the body ("any unexpected changes in your skin").
_NAMES_NOTHING = re.compile(
    r"\bif\s+you\s+\w+|\bany\b[^,]*?\b(changes?|problems?|issues?|symptoms?)\s+"
    r"(in|with|to|of|affecting)\s+(your|the)\s+\w+", re.I)


# Words that name a tier by frequency or by how bad the effects are; a label that names
# no tier ("Other:", "Cardiovascular:") is a category inside the group it stands in.
_TIER_WORDS = {"common", "uncommon", "rare", "frequent", "infrequent", "mild", "moderate"}
_FREQUENCY = re.compile(r"\b((very |less |more )?(common|uncommon|rare|frequent|infrequent)(ly)?|"
                        r"occasional(ly)?|frequency)\b")
_TIER = re.compile(r"\b(side[- ]effects?|(very |less |more )?(common|uncommon|rare|frequent|"
                   r"infrequent)(ly)?)\b")
# General advice: whom to tell and how soon, with words that name no effect.
_ADVICE_VERBS = {"report", "contact", "tell", "consult", "inform", "notify", "talk", "speak",
                 "seek", "call"}
_ADVICE = _ADVICE_VERBS | set(
    "s it crucial vital essential imperative necessary reported reporting healthcare health "
    "care provider providers professional professionals physician pharmacist nurse team "
    "prompt should must always experience experienced develop notice have has been "
    "occurs occurred arise arises".split())
_POINTERS = {"these", "them", "they", "those", "this", "such", "following", "listed", "above"}


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
    return severe_subject(sentence) is not None


def severe_subject(sentence: str) -> str | None:
    """The words naming the severe group a sentence lists, or None: "Less common but
    serious side effects" in "... include a and b", "serious ones" in "Rare side effects
    have been reported, including serious ones like a and b" (the stretch just before a
    marker names the group it lists)."""
    start = 0
    for n, marker in enumerate(_MARKER.finditer(sentence)):
        subject = _PARENTHETICAL.sub(" ", sentence[:marker.start()])
        local = _PARENTHETICAL.sub(" ", sentence[start:marker.start()])
        start = marker.end()
        if not re.search(r"\w", sentence[marker.end():]) or not names_severe(subject):
            continue
        if n == 0 or _SEVERE_GROUP.search(NOT_SEVERE.sub(" ", local.lower())):
            return " ".join((subject if n == 0 else local).split())
    return None


def urgent_about(sentence: str) -> bool:
    """"Seek immediate medical attention if you have a severe allergic reaction" names
    what needs urgent care; "... if you have any unusual symptoms" names nothing."""
    return bool(_urgent_condition(sentence))


def _urgent_condition(sentence: str) -> set[str]:
    """The words that say what for, of a sentence that says to get help now if ..."""
    condition = _CONDITION.search(sentence)
    if condition is None or not URGENT.search(sentence.lower()):
        return set()
    what = condition.group(1) if condition.group(1) is not None else condition.group(2)
    end = _CONDITION_END.search(what)
    what = _WHEN.sub(" ", what[:end.start()] if end else what)
    what = _NAMES_NOTHING.sub(" ", what)
    return {w for w in re.findall(r"[a-z]+", what.lower())
            if w not in _VAGUE and w not in _HAPPENS}


def _stems(text: str) -> set[str]:
    return {w.removesuffix("s") for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3}


def describes_what_needs_help(before: str, urgent: str) -> bool:
    """"Allergic reactions such as rash can occur. Seek help if an allergic reaction is
    suspected.": the urgent sentence names the effect the one before describes, so both
    say what needs help. Not a sentence about a tier ("Common side effects include
    nausea and rash."), whose other members would enter the box with it."""
    found = members(before)
    if found is not None and _TIER.search(_main_clause(found[0])):
        return False
    return bool(_stems(" ".join(_urgent_condition(urgent))) & _stems(before))


ADVICE = "general advice that names no effect"
NOTHING = "names no severe group and no effect to get help for"


def advice_only(sentence: str) -> bool:
    """Advice that names no effect and points back at none ("It's crucial to report any
    concerning side effects to your healthcare provider immediately."): under a severe
    label it is still general advice, printed outside the box."""
    words = re.findall(r"[a-z]+", sentence.lower())
    advises = URGENT.search(sentence.lower()) or any(w in _ADVICE_VERBS for w in words)
    return bool(advises) and not any(w in _POINTERS for w in words) and all(
        w in _VAGUE or w in _ADVICE for w in words)


def all_group_words(label: str) -> bool:
    """A label made only of the words groups are named with ("Side Effects")."""
    words = normalise_label(label).replace("-", " ").split()
    return bool(words) and all(w in _GROUP_WORDS for w in words)


def is_group_label(label: str) -> bool:
    """A label that names a tier ("Common:", "Rare but serious:"), not a category."""
    words = normalise_label(label).replace("-", " ").split()
    return all_group_words(label) and (
        is_severe(label) or any(w in _TIER_WORDS for w in words))


def leans_back(sentence: str) -> bool:
    """A sentence that needs the one before to say which effects it is about."""
    if _CONTRAST.match(sentence):
        return False
    return bool(BACK.match(sentence)) or not EFFECTS.search(sentence.lower())


def label_rule(label: str) -> str:
    """Why a label is severe or not, in plain words (for the reviewer's explanation)."""
    text, main = label.lower(), _main_clause(label)
    found = SEVERE.search(NOT_SEVERE.sub(" ", main))
    if found:
        word = found.group(0)
        return (f"label says to get help now: '{word}'" if URGENT.fullmatch(word)
                else f"label says '{word}'")
    negated = NOT_SEVERE.search(main)
    if negated:
        return f"{'a range' if ' to ' in negated.group(0) else 'negated'}: '{negated.group(0)}'"
    if main != text and SEVERE.search(text):
        return f"concession: '{text[:len(text) - len(main)].strip()}'"
    frequency = _FREQUENCY.search(text)
    if frequency:
        return f"frequency word only: '{frequency.group(0)}'"
    return "no severity word in the label"


def sentence_rule(sentence: str) -> tuple[bool, str]:
    """(boxed, why) for one prose sentence on its own."""
    subject = severe_subject(sentence)
    if subject is not None:
        return True, f"names a severe group and lists it: '{subject}'"
    if urgent_about(sentence):
        return True, ("says to get help now for what it names: '"
                      + " ".join(sorted(_urgent_condition(sentence))) + "'")
    if URGENT.search(sentence.lower()):
        return False, "says to get help now but names no effect"
    if names_severe(sentence):
        return False, "names a severe group but lists nothing in it"
    return False, NOTHING


def sentence_verdicts(texts: list[str]) -> list[tuple[bool, str]]:
    """(boxed, why) for each sentence of a paragraph: severe_sentences, explained."""
    verdicts = [sentence_rule(t) for t in texts]
    for i in range(1, len(texts)):
        before, this = verdicts[i - 1][0], verdicts[i][0]
        if not BACK.match(texts[i]):
            if this and not before and describes_what_needs_help(texts[i - 1], texts[i]):
                verdicts[i - 1] = True, "describes the effect the next sentence says to " \
                                        "get help for"
            continue
        if before or (names_severe(texts[i - 1]) and members(texts[i]) is not None):
            lead = texts[i].split()[0] if texts[i].split() else ""
            if not this:
                verdicts[i] = True, f"joins the sentence before it: '{lead}'"
            if not before:
                verdicts[i - 1] = True, "names a severe group that the next sentence lists"
    return verdicts


def severe_sentences(texts: list[str]) -> list[bool]:
    """Which sentences of a paragraph belong in the warning box.

    A sentence does when it names a severe group and lists its members after a
    marker ("Less common but serious side effects include a and b."), or says to get
    help now for something it names (urgent_about); a sentence led by a pronoun joins
    the one before when that one is boxed ("These are rare."), or when that one names
    a severe group and this one lists it ("Serious side effects can occur. These
    include a and b.").
    """
    return [boxed for boxed, _ in sentence_verdicts(texts)]
