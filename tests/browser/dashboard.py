#!/usr/bin/python3
"""dashboard.py BASE OUTDIR PROFILEDIR - headless Chromium drives the real dashboard through nginx.

Creates the admin, signs out and in, connects both sides to the sandbox, previews the first sync
(what changes for people first, at 1280x900 and 390x844, no sideways page scroll) and confirms it,
fires an unsubscribe on the sandbox console, runs "Resync now" and sees the change reach Salesforce
(in /status and in the sandbox's own state), reads the first sync's log without and with the
bookkeeping (the Show field; no sideways page scroll at either size), opens the person in
/contacts, resyncs them, runs /checks, and looks at the pages on a phone-sized window. Screenshots of each step go to OUTDIR.
Prints "ok - NAME" / "not ok - NAME: WHY" lines; exits 1 when any case failed, on any console error,
or on a page without its expected content.

Run with Debian's python3 and python3-selenium, chromium and chromium-driver.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, OUT, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
CONTROL = BASE + "/sandbox/control"
PERSON = "browser.person@example.com"
PASSWORD = "correct horse battery"
failures = 0
step = 0


def ok(name):
    print("ok - " + name, flush=True)


def fail(name, why):
    global failures
    failures += 1
    print("not ok - %s: %s" % (name, str(why).replace("\n", " ")[:400]), flush=True)


def check(name, cond, why=""):
    if cond:
        ok(name)
    else:
        fail(name, why or "condition false")
    return cond


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(CONTROL + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode())


def start_browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--no-default-browser-check", "--window-size=1280,900",
                 "--user-data-dir=" + PROFILE):
        o.add_argument(flag)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


d = start_browser()
d.set_page_load_timeout(60)


def console_errors():
    """Console messages at SEVERE since the last call (CSP violations and script errors land here)."""
    try:
        return [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    except WebDriverException:
        return []


def shot(name):
    global step
    step += 1
    path = os.path.join(OUT, "%02d-%s.png" % (step, name))
    try:
        # The whole page, not only the window: resize to the document's height first.
        h = d.execute_script("return Math.max(document.body.scrollHeight, 600)")
        w = d.get_window_size()["width"]
        d.set_window_size(w, min(int(h) + 120, 6000))
        d.save_screenshot(path)
        d.set_window_size(w, 900 if w > 500 else 844)
    except WebDriverException as e:
        fail("screenshot " + name, e)


def page(name, url, expect, screenshot=True):
    """Opens url (None: stays on the current page), checks the text is on it and that no console
    error came with it."""
    if url:
        d.get(BASE + url if url.startswith("/") else url)
    body = ""
    for attempt in range(5):
        try:  # /status reloads itself during a run: read again if the page changed under us
            body = d.find_element(By.TAG_NAME, "body").text
            break
        except (StaleElementReferenceException, WebDriverException):
            time.sleep(0.5)
    good = check("%s shows %r" % (name, expect), expect in body, "page text: " + body[:300])
    errs = console_errors()
    check("%s has no console error" % name, not errs, "; ".join(errs))
    if screenshot:
        shot(name)
    return good


def click(css, confirm=False):
    """Clicks and waits for the next page to load (forms post, then redirect)."""
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.CSS_SELECTOR, css).click()
    if confirm:
        WebDriverWait(d, 10).until(EC.alert_is_present())
        d.switch_to.alert.accept()
    WebDriverWait(d, 180).until(lambda x: gone(old))
    WebDriverWait(d, 60).until(lambda x: x.execute_script("return document.readyState") == "complete")


def gone(el):
    """True once el left the document. Chromedriver reports a node of an unloaded page either as
    stale or as "Node with given id does not belong to the document": both mean gone."""
    try:
        el.is_enabled()
        return False
    except (StaleElementReferenceException, WebDriverException):
        return True


def fill(name, value):
    el = d.find_element(By.NAME, name)
    el.clear()
    el.send_keys(value)


def wait_for(css, timeout=120):
    """Waits for an element while /status refreshes itself during a run."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            els = d.find_elements(By.CSS_SELECTOR, css)
            if els and els[0].is_displayed():
                return els[0]
        except (StaleElementReferenceException, WebDriverException):
            pass
        time.sleep(0.5)
    return None


def no_sideways_scroll(name):
    """The page itself never scrolls sideways (a wide table may scroll inside its own box)."""
    sw, iw = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return check("%s: no horizontal page scroll (%d <= %d)" % (name, sw, iw), sw <= iw)


def at_size(w, h):
    d.set_window_size(w, h)
    time.sleep(0.3)  # let the layout settle before measuring


def log_actions():
    return [td.text.strip() for td in d.find_elements(By.CSS_SELECTOR, "#log-table td[data-label=Action]")]


def run_finished(timeout=240):
    """Waits until the run shown on /status is no longer running (the page reloads every 2 s)."""
    el = wait_for("#job-done", timeout)
    return el is not None


try:
    # The person the test follows: subscribed to list 1 in AC, an unchecked SF Contact.
    control("POST", "/people", {"email": PERSON, "ac": {"lists": {"1": 1}},
                                "sf": [{"type": "Contact", "first_name": "Bea", "last_name": "Browser",
                                        "opted_out": False}]})

    # ---- first run: create the administrator
    page("first run", "/", "Create the administrator")
    # The setup code only the machine's owner can read (setup-code beside the database).
    with open(os.environ["SETUP_CODE_FILE"]) as f:
        fill("code", f.read().strip())
    fill("name", "admin")
    fill("password", PASSWORD)
    fill("password2", PASSWORD)
    click("#first-run button[type=submit]")
    page("setup after first run", "/setup", "Use the sandbox")

    # ---- sign out and in again
    click("form.who button")
    check("signed out to the login page", "/login" in d.current_url, d.current_url)
    page("sign in", "/login", "Sign in")
    fill("name", "admin")
    fill("password", PASSWORD)
    click("#sign-in button[type=submit]")
    check("signed in", "/login" not in d.current_url, d.current_url)

    # ---- connect both sides to the sandbox
    d.get(BASE + "/setup")
    click("#use-sandbox")
    page("setup connected", None, "Both sides are connected to the sandbox")
    conns = d.find_elements(By.CSS_SELECTOR, ".conn-ok")
    check("both connections shown as connected", len(conns) == 2, "%d connected" % len(conns))
    click("#test-sf")
    page("test Salesforce", None, "Salesforce answers")
    click("#register-webhook")
    page("webhook registered", None, "The webhook is registered in ActiveCampaign")

    # ---- preview, then confirm, the first sync
    page("status before the first sync", "/status", "Preview the first sync")
    click("#preview")
    confirm = wait_for("#confirm", 180)
    check("the preview shows a plan to confirm", confirm is not None)
    page("first sync preview", "/status", "changes planned", screenshot=False)
    # The preview leads with what changes for people; the bookkeeping is one closed line.
    plan = d.find_elements(By.CSS_SELECTOR, "#plan .plan-kind")
    check("the preview lists what changes for people", plan, d.find_element(By.ID, "first-sync").text[:300])
    first = d.find_element(By.ID, "first-sync").text
    check("the plan comes before the counts", first.find("If you confirm") < first.find("changes planned"), first[:300])
    book = d.find_elements(By.ID, "plan-bookkeeping")
    if check("the bookkeeping is one collapsed line", book and book[0].get_attribute("open") is None):
        check("its rows are not on the page", not book[0].find_elements(By.CSS_SELECTOR, "tr, li"))
    for n in d.find_elements(By.CSS_SELECTOR, "#plan .plan-names"):
        check("at most five names per kind", len(n.find_elements(By.CSS_SELECTOR, ".plan-name")) <= 5, n.text)
    at_size(1280, 900)
    no_sideways_scroll("preview at 1280x900")
    shot("first sync preview 1280")
    at_size(390, 844)
    page("first sync preview on a phone", "/status", "If you confirm", screenshot=False)
    no_sideways_scroll("preview at 390x844")
    shot("first sync preview phone")
    at_size(1280, 900)
    d.get(BASE + "/status")
    wait_for("#confirm", 30)
    click("#confirm", confirm=True)
    check("the first sync finished", run_finished())
    page("first sync done", "/status", "Finished")
    first_run_url = d.find_element(By.CSS_SELECTOR, "#job-done a").get_attribute("href")

    # ---- an unsubscribe in ActiveCampaign, fired on the sandbox console. The page can still be
    # settling when it is read (a stale node); try the whole step again then, a few times.
    offered = False
    for attempt in range(3):
        try:
            d.get(BASE + "/sandbox/?email=" + PERSON)
            WebDriverWait(d, 30).until(lambda x: x.execute_script("return document.readyState") == "complete")
            forms = d.find_elements(By.CSS_SELECTOR, "form.ev")
            unsub = [f for f in forms if f.find_elements(By.CSS_SELECTOR, "input[name=type][value=unsubscribe]")]
            offered = bool(unsub)
            if not offered:
                break
            em = unsub[0].find_element(By.NAME, "email")
            em.clear()
            em.send_keys(PERSON)
            old = d.find_element(By.TAG_NAME, "html")
            unsub[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(d, 60).until(lambda x: gone(old))
            break
        except (StaleElementReferenceException, WebDriverException):
            time.sleep(1)
    if check("the console offers an unsubscribe", offered):
        console_errors()  # the sandbox's own page is not under test here
        shot("sandbox unsubscribe")
    state = control("GET", "/state?email=" + PERSON)
    if not (state["ac"] and not state["ac"]["subscribed"]):
        fail("the sandbox console unsubscribed the person", d.find_element(By.TAG_NAME, "body").text[:200])
        # Go on through the control API, so the rest of the flow is still exercised.
        control("POST", "/event", {"type": "unsubscribe", "email": PERSON})
        state = control("GET", "/state?email=" + PERSON)
    check("AC now has the person unsubscribed", state["ac"] and not state["ac"]["subscribed"], state["ac"])

    # ---- Resync now: the change reaches Salesforce
    d.get(BASE + "/status")
    click("#resync-all")
    check("the resync finished", run_finished())
    state = control("GET", "/state?email=" + PERSON)
    sf = state.get("sf") or []
    check("Email Opt Out is checked in Salesforce", sf and all(r["HasOptedOutOfEmail"] for r in sf), sf)
    d.get(BASE + "/status?email=" + PERSON + "&direction=ac-%3Esf")
    rows = d.find_elements(By.CSS_SELECTOR, "#log-table tbody tr")
    text = " ".join(r.text for r in rows)
    check("the log shows the opt-out applied to Salesforce", "opt_out" in text and "applied" in text, text[:300])
    check("status page has no console error", not console_errors())
    shot("status log for the person")

    # ---- the log: people first; the Show field brings the bookkeeping of the first sync back
    d.get(first_run_url)
    acts = log_actions()
    check("the default log shows the first sync's changes for people", acts, "no rows")
    check("the default log hides the bookkeeping", not [a for a in acts if a in ("tag", "link")], acts)
    no_sideways_scroll("status log at 1280x900")
    shot("status log 1280")
    Select(d.find_element(By.ID, "f-show")).select_by_value("all")
    click("form.filters button[type=submit]")
    acts = log_actions()
    check("show=all is in the address", "show=all" in d.current_url, d.current_url)
    check("the filter shows the bookkeeping rows", [a for a in acts if a in ("tag", "link")], acts)
    no_sideways_scroll("status log with bookkeeping at 1280x900")
    shot("status log with bookkeeping 1280")
    at_size(390, 844)
    d.get(first_run_url)
    no_sideways_scroll("status log at 390x844")
    shot("status log phone")
    at_size(1280, 900)

    # ---- the person, and resync this contact
    page("contact", "/contacts?email=" + PERSON, "Email Opt Out is checked")
    check("the contact page shows the history", "opt_out" in d.find_element(By.ID, "history").text)
    click("#resync-one")
    page("contact resynced", None, "Resynced:")

    # ---- checks
    page("checks", "/checks", "Database integrity")
    check("the connections pass", "pass" in d.find_element(By.ID, "check-ac_connection").text)

    # ---- the audit and the users pages render
    page("audit", "/audit", "Audit")
    page("users", "/users", "Add a user")

    # ---- a phone
    d.set_window_size(390, 844)
    page("status on a phone", "/status", "Sync log")
    overflow = d.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
    check("no sideways scrolling on a phone", not overflow)
    no_sideways_scroll("status at 390x844")
    page("setup on a phone", "/setup", "ActiveCampaign")
    page("contact on a phone", "/contacts?email=" + PERSON, "Email Opt Out is checked")
except Exception as e:  # any exception is a failed test, reported, never a silent pass
    fail("browser session", "%s: %s" % (type(e).__name__, e))
    try:
        shot("failure")
    except Exception:
        pass
finally:
    d.quit()

sys.exit(1 if failures else 0)
