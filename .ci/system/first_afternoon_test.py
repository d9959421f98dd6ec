#!/usr/bin/env python3
"""An organisation's first afternoon in the browser (issue 21 item 7), from an empty data directory.

Usage: first_afternoon_test.py BASE_URL SETUP_CODE SCREENSHOT_DIR

Against `mynagate serve` on an empty data directory: the setup page (Japanese, then English) refuses a
wrong code, creates the first administrator with the code the server printed, and is gone afterwards;
the administrator signs in. Screenshots of every page are kept (CI keeps the directory as an artefact).
"""
import sys
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By

import browser_kit as b

BASE, CODE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
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


sys.exit(b.finish())
