#!/usr/bin/env python3
"""Browser tests for MynaGate's pages in headless Chromium (selenium).

Usage: browser_test.py BASE_URL DEMO_LOGINS_JSON SCREENSHOT_DIR

Against a running `mynagate demo`: the administrator signs in in Japanese, adds an employee, enrolls a
spare virtual card for them on the enrollment page, suspends a card, reads and filters the event log,
switches to English; an employee suspends their own card in two steps; the new employee's emergency
code suspends their card without signing in. Every check prints PASS or FAIL; the last line is
"N passed, M failed" and the exit status is non-zero on any failure.
"""
import time
import json
import os
import re
import sys
import traceback

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, LOGINS, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}", flush=True)


def step(name):
    """Runs a group of checks; an exception fails the group and the run goes on with the next."""
    def wrap(fn):
        try:
            fn()
        except Exception as e:  # a broken step is a failure, not the end of the run
            check(name, False, f"{type(e).__name__}: {e}")
            traceback.print_exc(limit=1)
        return fn
    return wrap


logins = {l["role"]: l for l in json.load(open(LOGINS, encoding="utf-8"))}

options = Options()
options.add_argument("--headless=new")
options.add_argument("--no-sandbox")  # CI runs as root
options.add_argument("--disable-dev-shm-usage")
options.add_argument("--disable-gpu")
options.add_argument("--window-size=1280,1000")
options.add_argument("--lang=ja")
for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
    if os.path.exists(path):
        options.binary_location = path
        break
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
driver.set_script_timeout(10)
wait = WebDriverWait(driver, 10)
# Elements are looked up after a click that loads a new page; on a slow CI machine the lookup can run
# before the page arrives. An implicit wait makes every lookup wait for its element (up to 15 s).
driver.implicitly_wait(15)


def go(path):
    driver.get(BASE + path)


def shot(name):
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def html_lang():
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def settled(read):
    # A lookup can catch the old page just as the new one replaces it (a stale element): try again.
    for _ in range(50):
        try:
            return read()
        except StaleElementReferenceException:
            time.sleep(0.2)
    return read()


def h1():
    return settled(lambda: driver.find_element(By.TAG_NAME, "h1").text)


def label(for_id):
    return driver.find_element(By.CSS_SELECTOR, f"label[for='{for_id}']").text


def live():
    return settled(lambda: driver.find_element(By.ID, "live").text)


def error_text():
    # Wait for the error banner itself: the page that carries it may still be loading.
    try:
        return WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "error").text or False)
    except Exception:
        return ""


def submit(button_id):
    # Every submit posts a form and loads a new page: wait until the old page is gone, so the next
    # lookup reads the new one.
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    try:
        WebDriverWait(driver, 15).until(EC.staleness_of(old))
    except Exception:
        pass


def sign_in(username, password):
    go("/")
    driver.find_element(By.ID, "username").clear()
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    submit("sign-in")


def sign_out():
    submit("sign-out")
    wait.until(EC.presence_of_element_located((By.ID, "username")))


state = {}

try:
    @step("sign-in page in Japanese")
    def _():
        go("/")
        check("sign-in page is Japanese by default", html_lang() == "ja", html_lang())
        check("username label is ユーザー名", label("username") == "ユーザー名", label("username"))
        check("password label is パスワード", label("password") == "パスワード", label("password"))
        check("language switch offers English", driver.find_element(By.ID, "lang-switch").text == "English")
        shot("01-sign-in-ja")
        sign_in(logins["admin"]["username"], "not the password")
        check("wrong password is explained", "ユーザー名またはパスワードが違います" in error_text(), error_text())

    @step("admin dashboard")
    def _():
        sign_in(logins["admin"]["username"], logins["admin"]["password"])
        wait.until(EC.url_contains("/dashboard"))
        check("admin lands on the dashboard", driver.current_url.endswith("/dashboard"), driver.current_url)
        check("dashboard heading is Japanese", h1() == "ダッシュボード", h1())
        body = driver.find_element(By.TAG_NAME, "body").text
        check("dashboard shows presence, alerts and recent events",
              "在室状況" in body and "警告" in body and "最近のイベント" in body)
        check("recent events table has rows", len(driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")) > 0)
        shot("02-dashboard-ja")

    @step("add an employee")
    def _():
        go("/employees/new")
        check("employee form labels are Japanese", label("employeeNumber") == "社員番号" and label("name") == "氏名")
        driver.find_element(By.ID, "employeeNumber").send_keys("B9001")
        driver.find_element(By.ID, "name").send_keys("ブラウザ 試験")
        driver.find_element(By.ID, "department").send_keys("総務部")
        submit("save-employee")
        wait.until(EC.url_contains("/employees"))
        check("employee added (message in the live region)", "従業員を登録しました" in live(), live())
        check("employee listed", "ブラウザ 試験" in driver.find_element(By.ID, "employees-table").text)

    @step("enroll a card on the enrollment page")
    def _():
        go("/enroll")
        driver.find_element(By.ID, "enroll-employee").send_keys("B9001")
        submit("pick-employee")
        check("enrollment page shows the employee", "ブラウザ 試験" in driver.find_element(By.ID, "enroll-employee-table").text)
        submit("issue-challenge")
        wait.until(EC.presence_of_element_located((By.ID, "challenge-id")))
        check("challenge issued", len(driver.find_element(By.ID, "challenge-id").text) == 36)
        cards = Select(driver.find_element(By.ID, "demo-card"))
        spare = [o.get_attribute("value") for o in cards.options if o.get_attribute("value").startswith("SPARE-")]
        check("a spare demo card is offered", bool(spare), str([o.text for o in cards.options]))
        cards.select_by_value(spare[0])
        shot("03-enroll-challenge-ja")
        submit("demo-enroll")
        wait.until(EC.presence_of_element_located((By.ID, "enroll-result")))
        check("card enrolled", "カードを登録しました" in live(), live())
        code = driver.find_element(By.ID, "emergency-code").text
        check("emergency code shown once (10 digits)", re.fullmatch(r"\d{10}", code) is not None, code)
        state["code"] = code
        state["serial"] = driver.find_element(By.ID, "enrolled-serial").text
        shot("04-enrolled-ja")

    @step("suspend a card on the cards page")
    def _():
        go("/cards")
        check("new card listed as active",
              "有効" in driver.find_element(By.CSS_SELECTOR, f"tr[data-serial='{state['serial']}']").text)
        row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "#cards-table tbody tr") if r.text.startswith("E0003"))
        serial = row.get_attribute("data-serial")
        row.find_element(By.CSS_SELECTOR, "button.card-suspend").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash")))
        check("suspension confirmed in the live region", "カードを利用停止しました" in live(), live())
        row = driver.find_element(By.CSS_SELECTOR, f"tr[data-serial='{serial}']")
        check("card shown as suspended with a reinstate button",
              "利用停止" in row.text and len(row.find_elements(By.CSS_SELECTOR, "button.card-reinstate")) == 1, row.text)
        shot("05-cards-ja")

    @step("event log and filters")
    def _():
        go("/events")
        check("event log heading", h1() == "イベントログ", h1())
        rows = driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")
        check("event log has rows", len(rows) > 0)
        driver.find_element(By.ID, "f-employee").send_keys("E0003")
        submit("filter-submit")
        wait.until(EC.url_contains("employee=E0003"))
        table = driver.find_element(By.ID, "events-table").text
        check("filter by employee shows the suspension", "credential.suspended" in table)
        subjects = [r.find_elements(By.TAG_NAME, "td")[3].text for r in driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")]
        check("every row is about E0003", subjects and all(s.startswith("E0003") for s in subjects), str(subjects[:3]))
        driver.find_element(By.ID, "f-employee").clear()
        Select(driver.find_element(By.ID, "f-outcome")).select_by_value("grant")
        submit("filter-submit")
        wait.until(EC.url_contains("outcome=grant"))
        outcomes = {r.find_elements(By.TAG_NAME, "td")[5].text for r in driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")}
        check("filter by outcome keeps only grants", outcomes == {"許可"}, str(outcomes))
        sjis = driver.find_element(By.ID, "export-csv-sjis").get_attribute("href")
        check("Shift_JIS CSV export link carries the filter", "encoding=shift_jis" in sjis and "outcome=grant" in sjis, sjis)
        check("JSON export link", "format=json" in driver.find_element(By.ID, "export-json").get_attribute("href"))
        shot("06-events-ja")

    @step("English")
    def _():
        driver.find_element(By.ID, "lang-switch").click()
        wait.until(lambda d: html_lang() == "en")
        check("switch to English keeps the filter", "outcome=grant" in driver.current_url, driver.current_url)
        check("event log heading in English", h1() == "Event log", h1())
        check("filter label in English", label("f-employee") == "Employee number", label("f-employee"))
        check("outcomes in English", {r.find_elements(By.TAG_NAME, "td")[5].text for r in
                                      driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")} == {"granted"})
        shot("07-events-en")
        go("/dashboard")
        check("English is remembered", html_lang() == "en" and h1() == "Dashboard", h1())
        check("alerts in English", "Denials in the last hour" in driver.find_element(By.TAG_NAME, "body").text)
        go("/doors")
        check("doors page in English with effective levels", "PIN + signature" in driver.find_element(By.ID, "doors-table").text)
        shot("08-doors-en")
        sign_out()
        check("signed out to the English sign-in page", html_lang() == "en" and label("username") == "Username", label("username"))

    @step("employee suspends their own card in two steps")
    def _():
        driver.find_element(By.ID, "lang-switch").click()
        wait.until(lambda d: html_lang() == "ja")
        sign_in(logins["employee"]["username"], logins["employee"]["password"])
        wait.until(EC.url_contains("/my/cards"))
        check("employee lands on my cards", h1() == "自分のカード", h1())
        check("employee sees no dashboard link", "ダッシュボード" not in driver.find_element(By.TAG_NAME, "nav").text)
        shot("09-my-cards-ja")
        driver.find_element(By.CSS_SELECTOR, "button.suspend-request").click()
        wait.until(EC.presence_of_element_located((By.ID, "confirm-suspend")))
        check("step 1 shows a confirmation page", h1() == "利用停止の確認", h1())
        shot("10-confirm-ja")
        submit("confirm-suspend")
        wait.until(EC.url_contains("/my/cards"))
        check("step 2 suspends the card", "カードを利用停止しました" in live(), live())
        check("my card shows suspended", "利用停止" in driver.find_element(By.ID, "my-cards").text)
        check("no suspend button left", len(driver.find_elements(By.CSS_SELECTOR, "button.suspend-request")) == 0)
        go("/dashboard")
        check("employee is refused the dashboard", h1() == "権限がありません", h1())
        sign_out()

    @step("lost card with the emergency code, without signing in")
    def _():
        go("/lost-card")
        driver.find_element(By.ID, "employeeNumber").send_keys("B9001")
        driver.find_element(By.ID, "code").send_keys(state["code"])
        submit("lost-next")
        wait.until(EC.presence_of_element_located((By.ID, "confirm-suspend")))
        check("lost card: confirmation step", "利用停止" in driver.find_element(By.ID, "confirm-text").text)
        submit("confirm-suspend")
        check("lost card: suspended", "カードを利用停止しました" in live(), live())
        shot("11-lost-card-done-ja")
        driver.set_window_size(390, 844)
        sign_in(logins["security"]["username"], logins["security"]["password"])
        wait.until(EC.url_contains("/dashboard"))
        check("security officer signs in on a phone-sized window", h1() == "ダッシュボード", h1())
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check("dashboard fits a phone screen (no sideways scrolling)", width <= 400, str(width))
        shot("12-dashboard-phone-ja")
    # === vault steps (browser_vault section) ===
    def press(css):
        # Like submit(), for a button found by CSS (the vault's forms repeat per request or subject).
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, css).click()
        try:
            WebDriverWait(driver, 15).until(EC.staleness_of(old))
        except Exception:
            pass

    @step("employee gives their My Number with the virtual card")
    def _():
        driver.set_window_size(1280, 1000)
        go("/dashboard")
        sign_out()
        sign_in(logins["employee"]["username"], logins["employee"]["password"])
        go("/vault/my")
        check("my number page", h1() == "個人番号の提供", h1())
        notice = driver.find_element(By.CSS_SELECTOR, "ul.notice").text
        check("the purposes are shown before anything is given", "源泉徴収票・給与支払報告書" in notice and "配偶者" in notice, notice)
        shot("vault-01-notice-ja")
        press("button.acknowledge")
        check("acknowledgement recorded", "利用目的の確認を記録しました" in live(), live())
        tries = settled(lambda: driver.find_element(By.CSS_SELECTOR, "strong.tries-left").text)
        check("tries left read from the card and shown before the PIN", tries == "3", tries)
        driver.find_element(By.CSS_SELECTOR, "input.text-pin").send_keys("1234")
        shot("vault-02-card-pin-ja")
        press("button.read-card")
        check("number given from the card", "個人番号を提供しました" in live(), live())
        body = driver.find_element(By.TAG_NAME, "body").text
        check("no 12-digit number on the employee's page", re.search(r"\d{12}", body.replace(" ", "").replace("-", "")) is None)
        shot("vault-03-given-ja")
        sign_out()

    @step("handler sees the card's differences and reveals the number for a purpose")
    def _():
        sign_in(logins["hr"]["username"], logins["hr"]["password"])
        go("/vault/requests")
        number = logins["employee"]["username"].upper()
        rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "#vault-requests-table tbody tr") if number in r.text]
        check("the employee's request is listed", len(rows) == 1, number)
        shot("vault-04-requests-ja")
        old = driver.find_element(By.TAG_NAME, "html")
        rows[0].find_element(By.CSS_SELECTOR, "a.open-request").click()
        WebDriverWait(driver, 15).until(EC.staleness_of(old))
        check("request page", h1() == "収集依頼の詳細", h1())
        diffs = driver.find_elements(By.CSS_SELECTOR, "table.differences")
        check("the card's new address is shown as a difference", len(diffs) == 1 and "旧町" in diffs[0].text, diffs[0].text if diffs else "none")
        check("no number before revealing", re.search(r"\d{12}", driver.find_element(By.TAG_NAME, "main").text) is None)
        Select(driver.find_element(By.CSS_SELECTOR, "select.reveal-purpose")).select_by_value("health_pension_insurance")
        shot("vault-05-request-ja")
        press("button.reveal-button")
        revealed = settled(lambda: driver.find_element(By.ID, "revealed-number").text)
        check("the handler sees the 12 digits", re.fullmatch(r"\d{12}", revealed) is not None, "shape: %d chars" % len(revealed))
        check("the stated purpose is shown", "健康保険・厚生年金保険" in driver.find_element(By.ID, "revealed-purpose").text)
        shot("vault-06-revealed-ja")
        state["vault_digits"] = revealed
        sign_out()

    @step("employee sees who revealed their number and why, never the number")
    def _():
        sign_in(logins["employee"]["username"], logins["employee"]["password"])
        go("/vault/my-access")
        text = driver.find_element(By.TAG_NAME, "main").text
        check("the reveal is listed with its purpose", "表示" in text and "健康保険・厚生年金保険" in text and "hr" in text, text[:300])
        check("the access history shows no number", state.get("vault_digits", "x") not in text and re.search(r"\d{12}", text) is None)
        shot("vault-07-my-access-ja")
        sign_out()

    # === attendance steps (browser_attendance section) ===

    # === card application steps (browser_apply section) ===

finally:
    driver.quit()

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
