#!/usr/bin/env python3
# Vendored unchanged from the team's shared measuring tools (shared/tools/score_conversations.py,
# sha256 0b145f0e12bfdfcb701f6cd852784a689d06aa0bde5999dc0ce0102c32caf0c2): the simulated
# survivor that independent evaluations use, so the suite measures the same way they do.
"""Clinical triage vignettes played through the gateway's chat API.

For every vignette in the file given with --vignettes (format: example_conversations.yml beside
this script) a simulated survivor opens a new
session, sends the opening message(s), and then answers the bot's follow-up questions from the
vignette's facts until the bot gives a disposition (a non-null "triage" in the chat response)
or the turn limit is reached. The level given is compared with the expected one.

Standard library only; talks to one base URL on loopback. One line per vignette, then summary
lines; the last line is the figure:

    triage vignettes: exact=0.xx emergency_recall=0.xx unsafe=N over=0.xx n=NN

Exit 0 when emergency recall is 1.0, nothing is unsafely under-triaged and exact agreement is at
least --min-exact; 1 otherwise; 2 when the gateway cannot be reached (or the vignettes file is
unusable).
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent

LEVELS = ["routine", "soon", "urgent", "emergency"]          # lowest to highest
RANK = {name: i for i, name in enumerate(LEVELS)}
EXPECTED = set(LEVELS) | {"info"}
REQUEST_TIMEOUT_S = 30

# --------------------------------------------------------------------------------------------
# What the simulated survivor understands in the bot's questions. Matched case-insensitively
# against the bot's reply texts of the latest turn (question sentences first, then everything).
# Order matters only for how several matched facts are joined.
# --------------------------------------------------------------------------------------------
_TOPIC_PATTERNS = {
    # red-flag and clinical topics
    "neuro": r"\bnumb\w*|\bweak\w*|\btingl\w*|pins and needles|\bwalk\w*|\blegs?\b|\barms?\b"
             r"|\bbalance\b|\bunsteady\b|\bwobbl\w*|\bclums\w*|\bco-?ordinat\w*|\bgait\b|\bfeeling in\b"
             r"|\bface\b|\bdroop\w*|\bsmile\b|\bone side\b",
    "bladder": r"\bbladder\b|\bbowels?\b|\bpee\w*|\burin\w*|\bincontinen\w*|\btoilet\b|\bwee\b"
               r"|\bpoo\b|\bstool\b|\bwetting\b",
    "confusion": r"\bconfus\w*|\bspeech\b|\bspeaking\b|\bslurr\w*|\bwords?\b|\btalking\b|\bmemory\b"
                 r"|\bdrows\w*|\bmuddl\w*|\bdisorient\w*|\bforget\w*|\bthinking\b",
    "seizure": r"\bseizures?\b|\bfits?\b|\bconvuls\w*|\bblack(ed)? ?out\b|\bpass(ed)? out\b"
               r"|\bfaint\w*|\bconscious\w*|\bunconscious\b|\bjerk\w*",
    "vision": r"\bvision\b|\bsight\b|\beyes?\b|\beyesight\b|\bblurr\w*|\bdouble\b|\bseeing\b"
              r"|\b(can|could|do|did) (you|u) see\b|\bsee (clearly|properly|normally)\b",
    "breath": r"\bbreath\w*|\bchest\b|\bcough\w*|\bwheez\w*|\bair\b",
    "blood": r"\bblood\w*|\bbleed\w*|\bhaemopt\w*|\bhemopt\w*",
    "vomiting": r"\bvomit\w*|\bsick\b|\bnause\w*|\bthrow(ing)? up\b|\bqueasy\b|\bkeep (food|fluids|anything) down\b",
    "fever": r"\bfever\w*|\btemperature\b|\bchills?\b|\bshiver\w*|\brigou?rs?\b|\bfeverish\b",
    "injury": r"\bfall\w*|\bfell\b|\binjur\w*|\bbump\w*|\bknock\w*|\baccident\w*|\btrauma\w*"
              r"|\bhurt (it|yourself)\b",
    "swelling": r"\bswell\w*|\bswollen\b|\bpuff\w*|\bred(ness)?\b|\bwarm\b|\bhot to (the )?touch\b",
    "strain": r"\bsneez\w*|\bstrain\w*|\bwhen you cough\b|\bcoughing or\b|\bbear(ing)? down\b",
    "night": r"\bnight\w*|\bwak(e|es|ing)\b|\bsleep\w*|\blying (down|flat)\b|\blie (down|flat)\b",
    "weight": r"\bweight\b|\bappetite\b|\beat(ing)?\b|\bfood\b|\bhungry\b",
    "mood": r"\bmood\b|\b(feel|feeling|felt|been) (low|down)\b|\blow or down\b|\bdown or (low|depressed)\b"
            r"|\banxi\w*|\bsleep\w*|\bharm\w*|\bhurt(ing)? yourself\b|\bhopeless\w*|\bdepress\w*|\bsuicid\w*"
            r"|\bend your life\b|\bworr\w*|\bstress\w*|\bsafe\b",
    "other": r"\banything else\b|\bany other\b|\bother symptoms?\b|\bsomething else\b",
    # descriptors
    "duration": r"\bhow long\b|\bwhen did\b|\bwhen (it|this|they|the \w+) (start|began)|\bsince when\b"
                r"|\bduration\b|\bhow many (days|weeks|months)\b",
    "severity": r"\bseverity\b|\bhow (bad|severe|strong|intense|painful)\b|\bscale\b|\bout of (10|ten)\b"
                r"|\b(0|1|zero|one) ?(-|to) ?(10|ten)\b|\brate (it|the|your|how)\b|\bhow much (does|is) it hurt"
                r"|\bhow much pain\b|\bmild,? moderate\b",
    "onset": r"\bonset\b|\bsudden(ly)?,? or (gradual(ly)?|slow(ly)?)\b|\bgradual(ly)?,? or sudden(ly)?\b"
             r"|\b(come|came|comes) on\b|\ball of a sudden\b|\b(start|begin|began|started|happen)(ed)? suddenly\b"
             r"|\bhow did (it|this|they|the \w+) (start|begin|come on)\b|\bquickly or (slowly|gradually)\b",
    "trend": r"\b(getting|got|get|gotten) (worse|better)\b(?!\s+(when|with|if|on|at|after|during|lying|in))"
             r"|\bworsening\b|\bimproving\b|\bprogress\w*|\bstay(ed|ing)? the same\b|\bchanged? since\b"
             r"|\bchanging\b|\bhas it changed\b|\bbetter,? or worse\b|\bworse,? or better\b|\bworse than\b"
             r"|\bthe same,? (better|worse)\b",
    # asking permission to go on with the questions
    "proceed": r"\b(shall|can|may|could) i ask\b|\bask (you )?(a few|some|a couple of) (more |quick )?questions\b"
               r"|\b(ok|okay|alright) (if i|to) (ask|continue|carry on|go on)\b"
               r"|\bshall we (start|continue|carry on|go on)\b"
               r"|\b(would you like|do you want) (me )?to (continue|carry on|go on|check|assess)\b",
}
TOPICS = {name: re.compile(rx, re.I) for name, rx in _TOPIC_PATTERNS.items()}
DESCRIPTORS = ("duration", "severity", "onset", "trend")
DEFAULTS = {"duration": "a few days", "severity": "5 out of 10", "onset": "gradually",
            "trend": "about the same"}
CLINICAL = tuple(t for t in TOPICS if t not in DESCRIPTORS and t != "proceed")
FACT_TOPICS = set(CLINICAL) | set(DESCRIPTORS)
NEGATIVE = re.compile(r"^\s*(no|nope|nah|not|none|never|nothing)\b", re.I)
# Questions phrased so that "yes" means "all is well" ("Are you able to walk normally?").
POSITIVE_PHRASING = re.compile(
    r"\b(are|were) you (still )?able to\b|\bcan you (still )?(walk|see|move|keep|control|pass|stand|speak|talk"
    r"|breathe|eat|drink|use)\b|\b(is|are) (your|the) [\w ]{1,30}?(normal|ok|okay|fine|alright|as usual)\b"
    r"|\b(working|going|eating|drinking|walking|seeing|breathing|sleeping) (normally|properly|ok|okay|fine|as usual)\b"
    r"|\bnormally\?|\bas (usual|normal)\?", re.I)
YES_PREFIX = re.compile(r"^\s*(yes|yeah|yep)\b[\s,.;:!-]*", re.I)


# --------------------------------------------------------------------------------------------
# A small YAML subset reader (block mappings and lists, quoted or plain scalars, [] / {} flow
# collections of scalars, comments). Enough for conversation files like example_conversations.yml.
# --------------------------------------------------------------------------------------------
class YamlSubsetError(ValueError):
    pass


def _strip_comment(line: str) -> str:
    quote = None
    prev_sig = ""          # last non-space character outside quotes
    i = 0
    while i < len(line):
        c = line[i]
        if quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = None
        elif quote == "'":
            if c == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        else:
            if c in "\"'" and prev_sig in ("", ":", "-", "[", ",", "{"):
                quote = c
            elif c == "#" and (i == 0 or line[i - 1] in " \t"):
                return line[:i].rstrip()
            if not c.isspace():
                prev_sig = c
        i += 1
    return line.rstrip()


def _quoted_end(s: str, start: int) -> int:
    """Index just past the quoted scalar that starts at s[start]."""
    q = s[start]
    i = start + 1
    while i < len(s):
        if q == '"' and s[i] == "\\":
            i += 2
            continue
        if s[i] == q:
            if q == "'" and i + 1 < len(s) and s[i + 1] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    raise YamlSubsetError(f"unterminated quoted string: {s!r}")


def _split_flow(body: str) -> list[str]:
    items, cur, i = [], "", 0
    while i < len(body):
        c = body[i]
        if c in "\"'" and not cur.strip():
            end = _quoted_end(body, i)
            cur += body[i:end]
            i = end
            continue
        if c == ",":
            items.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        items.append(cur)
    return [x.strip() for x in items]


def _scalar(s: str, lineno: int):
    s = s.strip()
    if not s:
        return None
    if s[0] in "\"'":
        end = _quoted_end(s, 0)
        if s[end:].strip():
            raise YamlSubsetError(f"line {lineno}: text after a quoted string: {s!r}")
        if s[0] == '"':
            try:
                return json.loads(s[:end])
            except ValueError as e:
                raise YamlSubsetError(f"line {lineno}: bad double-quoted string ({e})") from None
        return s[1:end - 1].replace("''", "'")
    if s[0] == "[":
        if not s.endswith("]"):
            raise YamlSubsetError(f"line {lineno}: unterminated flow list: {s!r}")
        return [_scalar(x, lineno) for x in _split_flow(s[1:-1])]
    if s[0] == "{":
        if not s.endswith("}"):
            raise YamlSubsetError(f"line {lineno}: unterminated flow mapping: {s!r}")
        out = {}
        for item in _split_flow(s[1:-1]):
            k, _, v = item.partition(":")
            out[_scalar(k, lineno)] = _scalar(v, lineno)
        return out
    if s[0] in "|>&*!%@`":
        raise YamlSubsetError(f"line {lineno}: unsupported YAML construct: {s!r}")
    low = s.lower()
    if low in ("null", "~"):
        return None
    if low == "true":
        return True
    if low == "false":
        return False
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    if re.fullmatch(r"[-+]?\d+\.\d*([eE][-+]?\d+)?", s):
        return float(s)
    return s


def _split_key(content: str):
    """(key, rest) when content is 'key: value' / 'key:', else None."""
    if content[0] in "\"'":
        end = _quoted_end(content, 0)
        after = content[end:].lstrip()
        if after.startswith(":") and (len(after) == 1 or after[1] in " \t"):
            return _scalar(content[:end], 0), after[1:].strip()
        return None
    m = re.match(r"^([^\s\[\]{},#][^#]*?):(\s+|$)(.*)$", content)
    if not m:
        return None
    return m.group(1).strip(), m.group(3).strip()


def load_yaml_subset(text: str):
    lines = []
    for n, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError(f"line {n}: tab in indentation")
        stripped = _strip_comment(raw)
        if not stripped.strip() or stripped.strip() in ("---", "..."):
            continue
        indent = len(stripped) - len(stripped.lstrip(" "))
        lines.append([indent, stripped.strip(), n])
    if not lines:
        return None

    def is_item(content: str) -> bool:
        return content == "-" or content.startswith("- ")

    def block(i: int, indent: int):
        if is_item(lines[i][1]):
            return seq(i, indent)
        if _split_key(lines[i][1]) is not None:
            return mapping(i, indent)
        if i + 1 < len(lines) and lines[i + 1][0] >= indent:
            raise YamlSubsetError(f"line {lines[i][2]}: unexpected content: {lines[i][1]!r}")
        return _scalar(lines[i][1], lines[i][2]), i + 1

    def nested(i: int, parent_indent: int, seq_ok_same: bool):
        """Value on the lines after a 'key:' or '-' line, or None."""
        if i < len(lines):
            ind, content, _ = lines[i]
            if ind > parent_indent or (seq_ok_same and ind == parent_indent and is_item(content)):
                return block(i, ind)
        return None, i

    def seq(i: int, indent: int):
        out = []
        while i < len(lines) and lines[i][0] == indent and is_item(lines[i][1]):
            ind, content, n = lines[i]
            rest = content[1:].lstrip()
            if not rest:
                val, i = nested(i + 1, indent, False)
            elif is_item(rest) or _split_key(rest) is not None:
                child = indent + (len(content) - len(rest))
                lines[i] = [child, rest, n]
                val, i = block(i, child)
            else:
                val, i = _scalar(rest, n), i + 1
            out.append(val)
        return out, i

    def mapping(i: int, indent: int):
        out = {}
        while i < len(lines) and lines[i][0] == indent and not is_item(lines[i][1]):
            ind, content, n = lines[i]
            kv = _split_key(content)
            if kv is None:
                raise YamlSubsetError(f"line {n}: expected 'key: value', got {content!r}")
            key, rest = kv
            if key in out:
                raise YamlSubsetError(f"line {n}: duplicate key {key!r}")
            if rest:
                val, i = _scalar(rest, n), i + 1
            else:
                val, i = nested(i + 1, indent, True)
            out[key] = val
        return out, i

    value, i = block(0, lines[0][0])
    if i != len(lines):
        raise YamlSubsetError(f"line {lines[i][2]}: unexpected indentation or content: {lines[i][1]!r}")
    return value


# --------------------------------------------------------------------------------------------
# Vignettes
# --------------------------------------------------------------------------------------------
def load_vignettes(path: Path) -> list[dict]:
    doc = load_yaml_subset(path.read_text(encoding="utf-8"))
    items = doc.get("vignettes") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise YamlSubsetError("no vignettes found (expected a 'vignettes:' list)")
    seen, out = set(), []
    for k, v in enumerate(items, 1):
        if not isinstance(v, dict):
            raise YamlSubsetError(f"vignette #{k} is not a mapping")
        vid = str(v.get("id") or f"#{k}")
        if vid in seen:
            raise YamlSubsetError(f"duplicate vignette id {vid}")
        seen.add(vid)
        exp = v.get("expected")
        if exp not in EXPECTED:
            raise YamlSubsetError(f"{vid}: expected must be one of {sorted(EXPECTED)}, got {exp!r}")
        opening = v.get("opening")
        if isinstance(opening, str):
            opening = [opening]
        if not opening or not all(isinstance(m, str) and m.strip() for m in opening):
            raise YamlSubsetError(f"{vid}: opening must be a message or a list of messages")
        facts = v.get("facts") or {}
        if not isinstance(facts, dict):
            raise YamlSubsetError(f"{vid}: facts must be a mapping")
        unknown = sorted(set(facts) - FACT_TOPICS)
        if unknown:
            raise YamlSubsetError(f"{vid}: unknown fact topics {unknown}; known: {sorted(FACT_TOPICS)}")
        facts = {str(t): str(a) for t, a in facts.items()}
        rmm = v.get("reply_must_match") or []
        if isinstance(rmm, str):
            rmm = [rmm]
        try:
            rmm_rx = [re.compile(r, re.I) for r in rmm]
        except re.error as e:
            raise YamlSubsetError(f"{vid}: bad reply_must_match regex ({e})") from None
        out.append({"id": vid, "expected": exp, "source": v.get("source", ""),
                    "opening": list(opening), "facts": facts, "rmm": rmm_rx})
    return out


# --------------------------------------------------------------------------------------------
# The simulated survivor
# --------------------------------------------------------------------------------------------
def _reply_texts(resp: dict) -> list[str]:
    out = []
    for r in resp.get("replies") or []:
        if isinstance(r, dict) and isinstance(r.get("text"), str) and r["text"].strip():
            out.append(r["text"])
    return out


def _button_titles(resp: dict) -> list[str]:
    out = []
    for r in resp.get("replies") or []:
        for b in (r.get("buttons") or []) if isinstance(r, dict) else []:
            if isinstance(b, dict) and isinstance(b.get("title"), str):
                out.append(b["title"])
    return out


def matched_topics(text: str) -> list[str]:
    return [t for t, rx in TOPICS.items() if rx.search(text)]


def _join(parts: list[str]) -> str:
    seen, out = set(), []
    for p in parts:
        p = p.strip().rstrip(".")
        if p and p.lower() not in seen:
            seen.add(p.lower())
            out.append(p)
    return ". ".join(out)


def choose_answer(resp: dict, facts: dict, sent: set) -> tuple[str, list[str]]:
    """The survivor's next message for the bot's latest turn, and the topics it answered.

    Positive facts (a finding is present) for the topics asked about come first, so red flags
    are reported when asked; then duration/severity/onset/trend (fact or default); then negative
    facts; then "yes" to a request to go on with the questions; else "no". A question phrased so
    that "yes" means all is well ("Are you able to walk normally?") gets "yes, that's normal"
    when the finding is absent, and the fact without a leading "yes" when it is present.
    """
    texts = _reply_texts(resp)
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\n+", t) if s.strip()]
    qsents = [s for s in sentences if s.endswith("?")]
    topics = matched_topics(" ".join(qsents)) if qsents else []
    if not topics:
        topics = matched_topics("\n".join(texts + _button_titles(resp)))
        if qsents:   # a real question that names no topic is not a request to go on
            topics = [t for t in topics if t != "proceed"]
    clinical = [t for t in topics if t in CLINICAL]
    descr = [t for t in topics if t in DESCRIPTORS]

    def positively_phrased(chosen: list[str]) -> bool:
        for q in qsents:
            if any(TOPICS[t].search(q) for t in chosen):
                return bool(POSITIVE_PHRASING.search(q))
        return False

    def present(chosen: list[str]) -> str:
        text = _join([facts[t] for t in chosen])
        if positively_phrased(chosen):         # a leading "yes" would read as "all is well"
            return YES_PREFIX.sub("", text) or text
        return text

    fresh_positive = [t for t in clinical if t in facts and not NEGATIVE.match(facts[t]) and t not in sent]
    if fresh_positive:
        sent.update(fresh_positive)
        return present(fresh_positive), fresh_positive
    if descr:
        return _join([facts.get(t, DEFAULTS[t]) for t in descr]), descr
    known = [t for t in clinical if t in facts]
    if known:
        positives = [t for t in known if not NEGATIVE.match(facts[t])]
        if positives:
            return present(positives), positives
        if positively_phrased(known):
            return "yes, that's normal", known
        return _join([facts[t] for t in known]), known
    if clinical and positively_phrased(clinical):
        return "yes, that's normal", clinical
    if "proceed" in topics and not clinical:
        return "yes", ["proceed"]
    return "no", clinical


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: never a proxy


class ChatError(Exception):
    def __init__(self, msg: str, connection: bool = False):
        super().__init__(msg)
        self.connection = connection


def http(base: str, method: str, path: str, payload: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(payload).encode("utf-8") if payload is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(req, timeout=REQUEST_TIMEOUT_S) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def chat(base: str, session_id: str, message: str) -> dict:
    try:
        status, body = http(base, "POST", "/api/v1/chat", {"session_id": session_id, "message": message})
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        timed_out = isinstance(reason, (TimeoutError, socket.timeout)) or isinstance(e, (TimeoutError, socket.timeout))
        raise ChatError(f"no answer from the gateway within {REQUEST_TIMEOUT_S} s" if timed_out
                        else f"no answer from the gateway ({reason})", connection=not timed_out) from None
    if status != 200:
        raise ChatError(f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
    try:
        doc = json.loads(body)
    except ValueError:
        raise ChatError(f"response is not JSON: {body[:200]!r}") from None
    if not isinstance(doc, dict):
        raise ChatError(f"response is not a JSON object: {body[:200]!r}")
    return doc


def _triage_of(resp: dict):
    t = resp.get("triage")
    if t is None:
        return None
    if not isinstance(t, dict):
        return {"level": "invalid", "raw": t}
    return t


def is_loopback(base: str) -> bool:
    host = urllib.parse.urlsplit(base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wait_ready(base: str, wait_s: float) -> str | None:
    """None when /readyz answers 200, else the reason."""
    deadline = time.monotonic() + max(0.0, wait_s)
    while True:
        try:
            status, body = http(base, "GET", "/readyz")
            reason = None if status == 200 else f"/readyz answered {status}: {body[:120]!r}"
        except (urllib.error.URLError, OSError) as e:
            reason = f"{getattr(e, 'reason', e)}"
        if reason is None or time.monotonic() >= deadline:
            return reason
        time.sleep(2)


# --------------------------------------------------------------------------------------------
# Running a vignette
# --------------------------------------------------------------------------------------------
def run_vignette(base: str, v: dict, max_turns: int) -> dict:
    session_id = "eval-" + uuid.uuid4().hex
    transcript: list[tuple[str, str]] = []
    bot_texts: list[str] = []
    triage = None
    turns = 0
    error = None
    resp: dict = {}
    sent: set = set()

    def send(message: str) -> dict:
        nonlocal turns
        transcript.append(("user", message))
        turns += 1
        r = chat(base, session_id, message)
        for t in _reply_texts(r):
            transcript.append(("bot", t))
            bot_texts.append(t)
        buttons = _button_titles(r)
        if buttons:
            transcript.append(("buttons", " | ".join(buttons)))
        return r

    try:
        for msg in v["opening"]:
            resp = send(msg)
            triage = _triage_of(resp)
            if triage is not None:
                break
        if v["expected"] == "info":
            unmet = [rx for rx in v["rmm"] if not any(rx.search(t) for t in bot_texts)]
            if (triage is None and unmet and turns < max_turns
                    and any("?" in t for t in _reply_texts(resp))):
                resp = send("no")
                triage = _triage_of(resp)
        else:
            while triage is None and turns < max_turns:
                answer, _ = choose_answer(resp, v["facts"], sent)
                resp = send(answer)
                triage = _triage_of(resp)
    except ChatError as e:
        error = e

    if triage is not None:
        transcript.append(("triage", json.dumps(triage, ensure_ascii=False)[:400]))
        if isinstance(triage.get("advice"), str):
            bot_texts.append(triage["advice"])
    got = "none"
    if triage is not None:
        level = triage.get("level")
        got = level if level in RANK else "invalid"
    elif error is not None:
        got = "error"
    elif v["expected"] == "info":
        got = "info"
    rmm_failed = [rx.pattern for rx in v["rmm"] if not any(rx.search(t) for t in bot_texts)]
    return {"id": v["id"], "expected": v["expected"], "got": got, "turns": turns,
            "transcript": transcript, "error": error, "rmm_failed": rmm_failed}


def judge(r: dict) -> dict:
    exp, got = r["expected"], r["got"]
    reasons = []
    unsafe = over = False
    if exp == "info":
        level_ok = got in ("info", "routine")
        if got in RANK and RANK[got] > RANK["routine"]:
            over = True
            reasons.append(f"triaged a question as {got}")
        elif not level_ok:
            reasons.append(f"no answer ({got})")
    else:
        level_ok = got == exp
        if got not in RANK:
            unsafe = True
            reasons.append("no disposition" + (f" ({got})" if got != "none" else ""))
        else:
            diff = RANK[got] - RANK[exp]
            if diff > 0:
                over = True
                reasons.append(f"over-triage by {diff}")
            elif diff < 0:
                reasons.append(f"under-triage by {-diff}")
                if diff <= -2:
                    unsafe = True
            if exp == "emergency" and got != "emergency":
                unsafe = True
        if unsafe:
            reasons.append("UNSAFE")
    if r["rmm_failed"]:
        reasons.append("reply lacks " + ", ".join(f"/{p}/" for p in r["rmm_failed"]))
    if r["error"] is not None:
        reasons.append(f"error: {r['error']}")
    passed = level_ok and not r["rmm_failed"]
    return {**r, "level_ok": level_ok, "passed": passed, "unsafe": unsafe, "over": over,
            "reasons": reasons}


def _print_transcript(r: dict) -> None:
    marks = {"user": ">", "bot": "<", "buttons": "  [buttons]", "triage": "= triage:"}
    for who, text in r["transcript"]:
        one = " ".join(text.split())
        if len(one) > 300:
            one = one[:297] + "..."
        print(f"      {marks.get(who, who)} {one}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--max-turns", type=int, default=10, help="user messages per vignette, openings included")
    ap.add_argument("--min-exact", type=float, default=0.80)
    ap.add_argument("--vignettes", type=Path, required=True, help="your conversations file (format: example_conversations.yml)")
    ap.add_argument("--only", action="append", default=[], help="run only this vignette id (repeatable)")
    ap.add_argument("--wait", type=float, default=0.0, help="seconds to wait for /readyz (default: check once)")
    ap.add_argument("--verbose", action="store_true", help="print every transcript, not only failures")
    a = ap.parse_args(argv)

    base = a.base_url.rstrip("/")
    if not is_loopback(base):
        print(f"score_conversations: refusing {base}: only a loopback base URL is allowed")
        return 2
    try:
        vignettes = load_vignettes(a.vignettes)
    except (OSError, YamlSubsetError) as e:
        print(f"score_conversations: cannot read vignettes from {a.vignettes.name}: {e}")
        return 2
    if a.only:
        vignettes = [v for v in vignettes if v["id"] in set(a.only)]
        if not vignettes:
            print(f"score_conversations: no vignette with id {a.only}")
            return 2
    reason = wait_ready(base, a.wait)
    if reason is not None:
        print(f"score_conversations: gateway not reachable or not ready at {base}/readyz ({reason}); "
              "start the stack first (make run)")
        return 2

    results = []
    for v in vignettes:
        r = judge(run_vignette(base, v, a.max_turns))
        results.append(r)
        status = "PASS" if r["passed"] else "FAIL"
        extra = ("  " + "; ".join(r["reasons"])) if r["reasons"] else ""
        print(f"{status} {r['id']:<16} expected={r['expected']:<9} got={r['got']:<9} turns={r['turns']:<2}{extra}",
              flush=True)
        if not r["passed"] or a.verbose:
            if not r["passed"] and v["source"]:
                print(f"      why {r['expected']}: {v['source']}")
            _print_transcript(r)

    n = len(results)
    if n and all(r["error"] is not None and r["error"].connection for r in results):
        print(f"score_conversations: the gateway at {base} stopped answering (every vignette failed to connect)")
        return 2
    exact = sum(r["passed"] for r in results) / n
    emerg = [r for r in results if r["expected"] == "emergency"]
    recall = (sum(r["got"] == "emergency" for r in emerg) / len(emerg)) if emerg else 1.0
    unsafe = sum(r["unsafe"] for r in results)
    over = sum(r["over"] for r in results) / n
    rmm_fail = sum(bool(r["rmm_failed"]) for r in results)

    print()
    for level in LEVELS[::-1] + ["info"]:
        group = [r for r in results if r["expected"] == level]
        if group:
            got = ", ".join(f"{g}:{sum(r['got'] == g for r in group)}"
                            for g in sorted({r["got"] for r in group}, key=lambda x: -RANK.get(x, -1)))
            print(f"expected {level:<9} n={len(group):<3} passed={sum(r['passed'] for r in group):<3} got {got}")
    print(f"reply_must_match failures: {rmm_fail}")
    lost = sum(r["error"] is not None and r["error"].connection for r in results)
    if lost:
        print(f"connection failures: {lost} vignette(s) lost the gateway mid-conversation "
              f"(/readyz now: {wait_ready(base, 0) or 'ready'})")
    print(f"errors: {sum(r['error'] is not None for r in results)}  "
          f"under-triaged: {sum(r['got'] in RANK and r['expected'] in RANK and RANK[r['got']] < RANK[r['expected']] for r in results)}  "
          f"no disposition: {sum(r['expected'] != 'info' and r['got'] not in RANK for r in results)}")
    print(f"triage vignettes: exact={exact:.2f} emergency_recall={recall:.2f} unsafe={unsafe} "
          f"over={over:.2f} n={n}")
    ok = recall == 1.0 and unsafe == 0 and exact >= a.min_exact
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
