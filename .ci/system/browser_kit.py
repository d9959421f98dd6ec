"""What MynaGate's browser tests share: headless Chromium, PASS/FAIL counting, and waiting for pages.

`browser_test.py` (against the demo) and `first_afternoon_test.py` (from an empty data directory) use it:
call `start(base_url, screenshot_dir)` once, then the helpers; `finish()` prints "N passed, M failed" and
returns the exit status.
"""
import os
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = ""
SHOTS = ""
driver = None
wait = None
passed = 0
failed = 0


def start(base, shots):
    global BASE, SHOTS, driver, wait
    BASE, SHOTS = base, shots
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
    # A lookup right after a click can run before the new page arrives: every lookup waits up to 15 s.
    driver.implicitly_wait(15)
    return driver


def finish():
    driver.quit()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


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


def error_text():
    try:
        return WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "error").text or False)
    except Exception:
        return ""


def fill(field_id, text):
    e = driver.find_element(By.ID, field_id)
    e.clear()
    e.send_keys(text)


def submit(button_id):
    # Every submit posts a form and loads a new page: wait until the old page is gone.
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    try:
        WebDriverWait(driver, 15).until(EC.staleness_of(old))
    except Exception:
        pass


def sign_in(username, password):
    go("/")
    fill("username", username)
    driver.find_element(By.ID, "password").send_keys(password)
    submit("sign-in")
