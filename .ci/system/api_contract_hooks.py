"""Schemathesis hooks for api-contract.sh (loaded through SCHEMATHESIS_HOOKS).

One check of MynaGate's own on top of schemathesis's: an error answer (4xx/5xx) must not echo what the
client sent. Error texts go to people and into logs and screenshots; a server that repeats the input
would one day repeat a My Number or a PIN typed into the wrong field (the rule: the My Number never
appears in an error text). The check takes every string the request carried (path, query, body, at
any depth) of 6 characters or more that appears in the error's text fields, and confirms the echo by
sending the request again with that value changed (each letter and digit shifted by one, so the shape
stays): an echo is when the changed value appears in the new error text. The confirmation keeps a
message that merely contains a word the generator happened to send ("wrong password" for the password
"password") from counting as an echo."""
import json
from urllib.parse import quote, quote_plus

import requests

import schemathesis

TEXT_FIELDS = ("reason", "messageJa", "messageEn")


def _strings(value, out):
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _strings(v, out)


def _texts(body):
    texts = [body.get(f) for f in TEXT_FIELDS]
    for issue in body.get("issues") or []:
        if isinstance(issue, dict):
            texts += [issue.get("messageJa"), issue.get("messageEn")]
    return [t for t in texts if isinstance(t, str)]


def _shifted(s):
    """The same shape with each ASCII letter and digit moved by one (z to a, 9 to 0)."""
    out = []
    for c in s:
        if "a" <= c <= "z":
            c = chr((ord(c) - 97 + 1) % 26 + 97)
        elif "A" <= c <= "Z":
            c = chr((ord(c) - 65 + 1) % 26 + 65)
        elif "0" <= c <= "9":
            c = chr((ord(c) - 48 + 1) % 10 + 48)
        out.append(c)
    return "".join(out)


def _echoed_again(response, s):
    """Sends the request again with s changed; True when the changed value is in the new error text."""
    t = _shifted(s)
    if t == s:
        return False
    request = response.request.copy()
    url, body = request.url, request.body
    for a, b in ((quote(s, safe=""), quote(t, safe="")), (quote(s), quote(t)), (quote_plus(s), quote_plus(t)), (s, t)):
        url = url.replace(a, b)
    if body is not None:
        raw = body.encode("utf-8") if isinstance(body, str) else body
        for a, b in ((json.dumps(s)[1:-1], json.dumps(t)[1:-1]), (json.dumps(s, ensure_ascii=False)[1:-1], json.dumps(t, ensure_ascii=False)[1:-1])):
            raw = raw.replace(a.encode("utf-8"), b.encode("utf-8"))
        body = raw
    if url == request.url and body == request.body:
        return False
    request.url, request.body = url, body
    if body is not None:
        request.headers["Content-Length"] = str(len(body))
    with requests.Session() as session:
        again = session.send(request, timeout=10, allow_redirects=False)
    try:
        texts = _texts(again.json())
    except (ValueError, AttributeError):
        return False
    return any(t in text for text in texts)


@schemathesis.check
def no_input_echo(ctx, response, case):
    """An error text repeats none of the request's strings of 6 characters or more."""
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    sent = set()
    for part in (case.path_parameters, case.query, case.body):
        _strings(part, sent)
    # Short strings and plain words (a field name, "true") match by chance, not by echo.
    sent = {s for s in sent if len(s.strip()) >= 6}
    for text in _texts(body):
        for s in sent:
            if s in text and _echoed_again(response, s):
                raise AssertionError(f"the error text repeats a request value of {len(s)} characters: {text[:200]!r}")
    return None
