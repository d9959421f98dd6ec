#!/usr/bin/env python3
"""An organisation's first afternoon in the browser (issue 21 item 7), from an empty data directory.

Usage: first_afternoon_test.py BASE_URL SETUP_CODE SCREENSHOT_DIR MYNAGATE CARD_FILE

Against `mynagate serve` on an empty data directory: the setup page (Japanese, then English) refuses a
wrong code, creates the first administrator with the code the server printed, and is gone afterwards;
the administrator signs in; imports 1,000 people from an HR export (preview, then apply); lays out the
building in the editor (a lobby that is the workplace boundary, a server room, an entrance door and a
server-room `pin` door, a schedule and a group); asks the access explainer who may pass the server
room; puts the first imported person into the group on their page; enrolls their virtual card
(CARD_FILE, issued by the TEST hierarchy the server trusts, with that person's name and birth date) with
the desk's reader program `mynagate card enroll --holder`; registers the entrance's door agent and taps
the card there with `mynagate door run`: the door lets them in, and the grant is in the event log.
Screenshots of every page are kept (CI keeps the directory as an artefact).
"""
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import browser_kit as b

BASE, CODE, SHOTS, BIN, CARD = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
# The card's holder as the TEST hierarchy issued it (first-afternoon.sh): the HR export's first person.
HOLDER_NUMBER, HOLDER_NAME = "A00001", "社員 0001"
AUTH_PIN, SIGNING_PASSWORD = "1234", "FIRST2026"
b.start(BASE, SHOTS)
driver = b.driver
ADMIN, PASSWORD = "kanri", "first afternoon 2026"


@b.step("setup page")
def setup_page():
    b.go("/setup")
    b.shot("01-setup-ja")
    b.check("the setup page is Japanese by default", b.html_lang() == "ja" and "初期設定" in b.h1(), b.h1())
    checks = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "h3[id^='check-']")]
    b.check("the setup page shows the four checks", checks == ["check-trustAnchors", "check-revocation", "check-tls", "check-vaultKey"], str(checks))
    b.go("/setup?lang=en")
    b.shot("02-setup-en")
    b.check("the setup page in English", b.html_lang() == "en" and "First-run setup" in b.h1(), b.h1())
    b.fill("code", "WRONGCODE0000000")
    b.fill("username", ADMIN)
    b.fill("password", PASSWORD)
    b.fill("confirm", PASSWORD)
    b.submit("setup-complete")
    b.shot("03-setup-wrong-code")
    b.check("a wrong setup code is refused with the reason", "setup code" in b.error_text(), b.error_text())
    b.fill("code", CODE)
    b.fill("username", ADMIN)
    b.fill("password", PASSWORD)
    b.fill("confirm", PASSWORD)
    b.submit("setup-complete")
    b.shot("04-setup-done")
    b.check("setup lands on the sign-in page", driver.find_elements(By.ID, "sign-in") != [], driver.current_url)


@b.step("the first administrator")
def first_admin():
    b.sign_in(ADMIN, PASSWORD)
    b.shot("05-signed-in")
    b.check("the first administrator signs in", "/dashboard" in driver.current_url, driver.current_url)
    try:
        status = urllib.request.urlopen(BASE + "/setup").status
    except urllib.error.HTTPError as e:
        status = e.code
    b.check("the setup page is gone once done (404)", status == 404, str(status))


@b.step("1,000 people from the HR master")
def import_people():
    rows = ["社員番号,氏名,所属,勤務地,退職日,生年月日"]
    departments = ["総務部", "人事部", "営業部", "開発部", "情報システム部"]
    for i in range(1000):
        # A00001 is born 1990-01-01, as the card first-afternoon.sh issued says.
        rows.append(f"A{i + 1:05d},社員 {i + 1:04d},{departments[i % 5]},{'大阪' if i % 3 == 0 else '東京'},,{1990 + i % 30}-{1 + i % 12:02d}-01")
    path = os.path.join(tempfile.mkdtemp(), "hr-export.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    b.go("/employees/import?lang=ja")
    driver.find_element(By.ID, "pi-file").send_keys(path)
    b.submit("pi-preview")
    counts = b.settled(lambda: driver.find_element(By.ID, "pi-counts").text)
    b.shot("06-import-preview")
    b.check("the preview counts 1,000 new people", "新規: 1000" in counts, counts)
    driver.find_element(By.ID, "pi-apply-file").send_keys(path)
    b.submit("pi-apply")
    b.shot("07-import-applied")
    b.go("/employees?q=A00999")
    b.check("an imported person is found", "社員 0999" in driver.page_source)
    b.shot("08-employees-search")


def save(path, fields, selects=None):
    b.go(path)
    for k, v in fields.items():
        b.fill(f"f-{k}", v)
    for k, v in (selects or {}).items():
        Select(driver.find_element(By.ID, f"f-{k}")).select_by_value(v)
    b.submit("building-save")


@b.step("the building: zones, an entrance, a server-room PIN door, a schedule and a group")
def building():
    save("/building/zones/new", {"id": "lobby", "name": "ロビー"})
    save("/building/zones/new", {"id": "server-room", "name": "サーバー室"})
    save("/building/doors/new", {"id": "entrance", "name": "正面玄関"}, {"toZone": "lobby"})
    save("/building/doors/new", {"id": "server-room", "name": "サーバー室"}, {"fromZone": "lobby", "toZone": "server-room", "securityLevel": "pin"})
    # Every day, all day, holidays too: the tap below must pass whenever CI runs.
    days = {d: "00:00-24:00" for d in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]}
    save("/building/schedules/new", {"id": "always", "name": "終日", **days}, {"holidayRule": "ignore"})
    save("/building/groups/new", {"id": "staff", "name": "社員"}, {"grant[lobby]": "always"})
    b.go("/building")
    b.shot("09-building")
    doors = driver.find_element(By.ID, "building-doors").text
    b.check("both doors are listed", "正面玄関" in doors and "サーバー室" in doors, doors)
    b.check("the group is listed", "社員" in driver.find_element(By.TAG_NAME, "main").text)


@b.step("the access explainer: who may pass the server room")
def explain():
    b.go("/building/explain?door=server-room&lang=en")
    b.shot("10-explain-en")
    result = driver.find_element(By.ID, "explain-door-result").text
    b.check("the explainer answers for the server room: nobody may pass, as nobody holds a card yet", driver.find_element(By.ID, "explain-granted").text == "0" and "PIN" in result, result[:300])


def run(args, stdin):
    """Runs a mynagate command; its output goes into the check's detail."""
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def open_person():
    """The holder's page, found by number on the employees list; False when not found."""
    b.go(f"/employees?q={HOLDER_NUMBER}")
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/employees/']") if HOLDER_NUMBER in a.text or HOLDER_NAME in a.text]
    if not links:
        return False
    links[0].click()
    return True


@b.step("the first person into the group, on their page")
def group_member():
    found = open_person()
    b.check("the person is found by number", found, driver.find_element(By.TAG_NAME, "main").text[:300])
    if not found:
        return
    box = driver.find_element(By.ID, "group-staff")
    if not box.is_selected():
        box.click()
    b.submit("save-employee")
    b.shot("11-person-in-group")
    b.check("the person is in the group", driver.find_element(By.ID, "group-staff").is_selected())


@b.step("the desk enrolls the person's card (mynagate card enroll --holder)")
def enroll():
    code, out, err = run(["card", "enroll", "--server", BASE, "--username", ADMIN, "--employee", HOLDER_NUMBER, "--holder",
                          "--vcard", CARD, "--password-stdin", "--pin-stdin", "--json"],
                         f"{PASSWORD}\n{AUTH_PIN}\n{SIGNING_PASSWORD}\n")
    b.check("the card is enrolled and active (bound by the signing certificate's name and birth date)",
            code == 0 and '"state":"active"' in out, f"{code} {out} {err[-400:]}")
    b.check("the tries left were said before the PIN and the signing password", "残り3回" in err and "残り5回" in err, err[-300:])
    if open_person():
        b.shot("12-person-card")
        cards = driver.find_element(By.ID, "person-cards").text
        b.check("the person's page shows the card active", "有効" in cards or "active" in cards, cards)


@b.step("the entrance lets the card in (mynagate door run)")
def let_in():
    work = tempfile.mkdtemp()
    agent = os.path.join(work, "entrance.json")
    code, out, err = run(["door", "register", "--server", BASE, "--door", "entrance", "--username", ADMIN, "--password-stdin", "--out", agent],
                         PASSWORD + "\n")
    b.check("the entrance's agent is registered", code == 0, f"{code} {out} {err[-300:]}")
    # One tap (an empty line taps the --vcard card); at the end of input the agent uploads its outbox and exits.
    code, out, err = run(["door", "run", agent, "--data", os.path.join(work, "agent"), "--vcard", CARD, "--poll-seconds", "1"], "\n")
    decisions = [line for line in out.splitlines() if line.startswith("decision")]
    b.check("the entrance lets the person in", code == 0 and decisions != [] and decisions[-1].startswith("decision\tgrant\tgranted"),
            f"{code} {decisions} {err[-400:]}")
    b.go(f"/events?employee={HOLDER_NUMBER}&outcome=grant&lang=en")
    b.shot("13-event-log-en")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")]
    b.check("the event log shows the grant at the entrance", any("door.decision" in r and "正面玄関" in r and HOLDER_NUMBER in r for r in rows), str(rows))


sys.exit(b.finish())
