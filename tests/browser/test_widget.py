"""The chat widget in real headless Chromium, against the real stack (Rasa, actions, gateway).

Each test opens the demo page at / (a mock hospital page embedding the widget with one
<script> tag) or a page on another origin, and talks to the trained bot. Screenshots of the
widget's states go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HostSite, ThreadedServer, gateway_app
from tests.integration.conftest import Stack, free_port

pytestmark = [pytest.mark.browser, pytest.mark.integration]

RED_FLAG = "my back hurts and my legs have gone numb and i can't pee"
BONE_PAIN = "my hip bone has been aching"
TURN_TIMEOUT = 60_000  # the first turn of a fresh Rasa process can take several seconds

# How the simulated person answers each kind of follow-up question, by button title.
PREFERRED_ANSWERS = [
    "No",
    "1\u20134 weeks",  # the button title has an en dash
    "Moderate (4-6)",
    "Gradually",
    "About the same",
]


# ---- helpers ------------------------------------------------------------------------------------


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    launcher = page.get_by_role("button", name=re.compile("^Open the chat"))
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.get_by_role("dialog")).to_be_visible()


def wait_for_answer(page: Page) -> None:
    """The send button is enabled again once every reply of the turn has been shown."""
    expect(page.locator(".ssc-send")).to_be_enabled(timeout=TURN_TIMEOUT)


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    wait_for_answer(page)


def bot_texts(page: Page) -> list[str]:
    return page.locator(".ssc-msg-bot").all_inner_texts()


def user_texts(page: Page) -> list[str]:
    return [
        t.replace("You said:", "").strip() for t in page.locator(".ssc-msg-user").all_inner_texts()
    ]


def quick_replies(page: Page):
    return page.get_by_role("group", name="Suggested answers").get_by_role("button")


def stored_state(page: Page) -> dict:
    raw = page.evaluate(
        "() => { for (let i = 0; i < sessionStorage.length; i++) {"
        " const k = sessionStorage.key(i); if (k.startsWith('symptom-checker:'))"
        " return sessionStorage.getItem(k); } return null; }"
    )
    return json.loads(raw) if raw else {}


def answer_until_disposition(page: Page, max_turns: int = 14) -> None:
    """Answer each follow-up with a button (the mild, not-red-flag answer) until a card shows."""
    for _ in range(max_turns):
        if page.locator(".ssc-triage").count():
            return
        titles = quick_replies(page).all_inner_texts()
        assert titles, f"no question to answer; the bot said: {bot_texts(page)[-2:]}"
        choice = next((t for t in PREFERRED_ANSWERS if t in titles), titles[0])
        quick_replies(page).filter(has_text=choice).first.click()
        wait_for_answer(page)
    raise AssertionError("no disposition after the follow-up questions")


# ---- the demo page and the first turn -----------------------------------------------------------


def test_demo_page_widget_shows_disclaimer_and_emergency_number_first(
    page: Page, stack: Stack, artifacts
):
    page.goto(f"{stack.gateway_url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("breast cancer")
    page.screenshot(path=artifacts / "widget-01-closed.png")
    open_widget(page, f"{stack.gateway_url}/")
    notice = page.get_by_role("note")
    expect(notice).to_contain_text("Not a diagnosis")
    expect(notice).to_contain_text("911")
    expect(notice.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    expect(page.get_by_label("Your message")).to_be_focused()
    page.screenshot(path=artifacts / "widget-02-open.png")

    say(page, "hello")
    first = bot_texts(page)[0]
    assert "can't diagnose" in first  # the bot's own first turn repeats the notice
    assert "911" in first


def test_red_flag_report_shows_the_emergency_banner(page: Page, stack: Stack, artifacts):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, RED_FLAG)
    banner = page.get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-level", "emergency")
    expect(banner).to_contain_text("Emergency: call 911 now")
    expect(banner).to_contain_text("not a diagnosis")
    expect(banner.get_by_role("link", name="Call 911 now")).to_have_attribute("href", "tel:911")
    # The advice is shown once, in the banner, not again as a plain bubble.
    advice_bubbles = [t for t in bot_texts(page) if "emergency department" in t]
    assert advice_bubbles == []
    colours = banner.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )
    assert colours == ["rgb(179, 38, 30)", "rgb(255, 255, 255)"]
    page.locator(".ssc-panel").screenshot(path=artifacts / "widget-03-emergency.png")


# ---- follow-up questions ------------------------------------------------------------------------


def test_follow_up_answered_by_button_and_by_typing(page: Page, stack: Stack, artifacts):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, BONE_PAIN)
    question = bot_texts(page)[-1]
    buttons = quick_replies(page)
    expect(buttons.first).to_be_visible()
    titles = buttons.all_inner_texts()
    assert "No" in titles
    page.locator(".ssc-panel").screenshot(path=artifacts / "widget-04-quick-replies.png")

    buttons.filter(has_text=re.compile("^No$")).click()
    wait_for_answer(page)
    assert user_texts(page)[-1] == "No"  # the title, not the payload "/deny"
    after_button = bot_texts(page)[-1]
    assert after_button != question
    expect(page.get_by_label("Your message")).to_be_focused()  # keyboard users carry on

    # Free text always works where buttons are offered.
    expect(quick_replies(page).first).to_be_visible()
    say(page, "no, not really")
    assert user_texts(page)[-1] == "no, not really"
    after_typing = bot_texts(page)[-1]
    assert after_typing != after_button
    assert "didn't quite" not in after_typing
    assert not page.locator(".ssc-msg-error").count()


def test_non_urgent_disposition_shows_a_level_card(page: Page, stack: Stack, artifacts):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, BONE_PAIN)
    answer_until_disposition(page)
    card = page.locator(".ssc-triage")
    level = card.get_attribute("data-level")
    assert level in {"urgent", "soon", "routine"}
    expect(card).to_have_attribute("role", "status")
    plain = {
        "urgent": "Contact your care team today",
        "soon": "Contact your care team within a few days",
        "routine": "Mention it at your next routine follow-up",
    }[level]
    expect(card.locator(".ssc-triage-level")).to_have_text(plain)
    expect(card).to_contain_text("This is not a diagnosis.")
    expect(card).to_contain_text("hip")  # the symptoms the person reported
    assert page.locator(".ssc-triage-emergency").count() == 0
    card.scroll_into_view_if_needed()
    page.locator(".ssc-panel").screenshot(path=artifacts / f"widget-05-{level}-card.png")


# ---- persistence --------------------------------------------------------------------------------


def test_reload_keeps_the_conversation_and_a_new_tab_does_not(page: Page, stack: Stack):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, BONE_PAIN)
    quick_replies(page).filter(has_text=re.compile("^No$")).click()
    wait_for_answer(page)
    before_bot, before_user = bot_texts(page), user_texts(page)
    session_id = stored_state(page)["sessionId"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", session_id)

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # still open
    assert bot_texts(page) == before_bot
    assert user_texts(page) == before_user
    expect(quick_replies(page).first).to_be_visible()  # the pending question's buttons too

    with page.expect_request("**/api/v1/chat") as request:
        say(page, "no")
    assert json.loads(request.value.post_data)["session_id"] == session_id
    reply = bot_texts(page)[-1]
    assert "automated symptom checker" not in reply  # the same conversation, not a new one

    other = page.context.new_page()
    other.goto(f"{stack.gateway_url}/")
    expect(other.get_by_role("button", name=re.compile("^Open the chat"))).to_be_visible()
    other.get_by_role("button", name=re.compile("^Open the chat")).click()
    assert other.locator(".ssc-msg").count() == 0
    assert stored_state(other) == {} or stored_state(other)["sessionId"] is None
    other.close()


def test_start_over_begins_a_new_session(page: Page, stack: Stack):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, "hello")
    first_session = stored_state(page)["sessionId"]
    page.get_by_role("button", name="Start over").click()
    assert page.locator(".ssc-msg").count() == 0
    expect(page.get_by_role("status").filter(has_text="new conversation")).to_have_count(1)
    with page.expect_request("**/api/v1/chat") as request:
        say(page, "hello")
    assert "session_id" not in json.loads(request.value.post_data)
    assert stored_state(page)["sessionId"] not in (None, first_session)
    assert "can't diagnose" in bot_texts(page)[0]  # a new conversation starts with the notice


# ---- safety of text -----------------------------------------------------------------------------


def test_script_in_a_message_is_shown_as_text_and_never_runs(page: Page, stack: Stack, artifacts):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_widget(page, f"{stack.gateway_url}/")
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    say(page, payload)
    assert user_texts(page)[-1] == payload
    widget = page.locator(".ssc-root")
    assert widget.locator("script").count() == 0
    assert widget.locator("img").count() == 0
    page.reload()  # restored from sessionStorage: still text
    assert user_texts(page)[-1] == payload
    assert widget.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    page.locator(".ssc-panel").screenshot(path=artifacts / "widget-06-script-as-text.png")


# ---- accessibility ------------------------------------------------------------------------------


def test_keyboard_only_conversation(page: Page, stack: Stack, artifacts):
    page.goto(f"{stack.gateway_url}/")
    launcher = page.get_by_role("button", name=re.compile("^Open the chat"))
    for _ in range(20):  # Tab through the host page to the launcher
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the launcher cannot be reached with Tab")
    outline = launcher.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    page.keyboard.type(BONE_PAIN)
    page.keyboard.press("Enter")
    wait_for_answer(page)
    expect(quick_replies(page).first).to_be_visible()

    # Shift+Tab from the message box reaches the quick replies; Enter picks one.
    target = quick_replies(page).last
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("quick replies cannot be reached with the keyboard")
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.locator(".ssc-panel").screenshot(path=artifacts / "widget-07-keyboard-focus.png")
    title = target.inner_text()
    page.keyboard.press("Enter")
    wait_for_answer(page)
    assert user_texts(page)[-1] == title
    expect(box).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_screen_reader_structure(page: Page, stack: Stack):
    open_widget(page, f"{stack.gateway_url}/")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("dialog")).to_have_accessible_name("Symptom checker")
    expect(page.get_by_role("button", name="Close the chat")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    say(page, "hello")
    assert log.locator(".ssc-msg-bot .ssc-sr").first.inner_text() == "Assistant said:"
    assert log.locator(".ssc-msg-user .ssc-sr").first.inner_text() == "You said:"


def _contrast_script() -> str:
    return """
    els => els.map(el => {
      const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = rgb => { const [r, g, b] = rgb.map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      let bg = null, node = el;
      while (node && node.nodeType === 1) {
        const c = getComputedStyle(node).backgroundColor;
        if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') { bg = c; break; }
        node = node.parentElement;
      }
      const a = lum(parse(getComputedStyle(el).color)), b = lum(parse(bg || 'rgb(255,255,255)'));
      return [el.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    })
    """


def test_text_contrast_meets_wcag_aa(page: Page, stack: Stack):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, BONE_PAIN)
    selectors = (
        ".ssc-title, .ssc-restart, .ssc-notice, .ssc-msg-bot, .ssc-msg-user, "
        ".ssc-quick-button, .ssc-send, .ssc-input"
    )
    ratios = page.locator(selectors).evaluate_all(_contrast_script())
    assert len({cls for cls, _ in ratios}) >= 8
    low = [(cls, round(r, 2)) for cls, r in ratios if r < 4.5]
    assert low == [], low


def test_widget_fits_a_320px_screen(browser, stack: Stack, artifacts):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    try:
        open_widget(page, f"{stack.gateway_url}/")
        say(page, BONE_PAIN)
        box = page.locator(".ssc-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        for name in ("Send", "Start over", "Close the chat"):
            b = page.get_by_role("button", name=name).bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 320, name
            assert b["height"] >= 24, name  # WCAG 2.2 target size (minimum)
        expect(quick_replies(page).first).to_be_in_viewport()
        page.screenshot(path=artifacts / "widget-08-320px.png")
    finally:
        context.close()


# ---- failures and other sites -------------------------------------------------------------------


def test_unavailable_gateway_answer_is_shown_with_emergency_guidance(
    page: Page, tmp_path, artifacts
):
    app = gateway_app(
        state_dir=tmp_path, rasa_port=free_port(), action_port=free_port(), emergency_number="999"
    )
    with ThreadedServer(app) as gateway:
        open_widget(page, f"{gateway.url}/")
        say(page, "my back hurts")
    error = page.locator(".ssc-msg-error")
    expect(error).to_contain_text("can't answer right now")
    expect(error).to_contain_text("call 999 now")
    page.locator(".ssc-panel").screenshot(path=artifacts / "widget-09-unavailable.png")


def _host_page(gateway_url: str, **data: str) -> str:
    attrs = " ".join(f'data-{k.replace("_", "-")}="{v}"' for k, v in data.items())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Charity</title>"
        "</head><body><h1>Breast cancer support charity</h1><a href='#'>Donate</a>"
        f"<script src='{gateway_url}/widget.js' defer data-gateway='{gateway_url}' {attrs}>"
        "</script></body></html>"
    )


def test_widget_on_an_allowed_site_talks_to_the_bot_across_origins(
    page: Page, stack: Stack, host_site: HostSite, artifacts
):
    rasa_port = int(stack.rasa_url.rsplit(":", 1)[1])
    action_port = int(stack.action_url.rsplit(":", 1)[1])
    app = gateway_app(
        state_dir=stack.state_dir,
        rasa_port=rasa_port,
        action_port=action_port,
        cors_origins=[host_site.origin],
        rate_limit_per_session="off",
        rate_limit_per_client="off",
    )
    with ThreadedServer(app) as gateway:
        url = host_site.page(
            "index.html",
            _host_page(
                gateway.url,
                title="Ask our nurse bot",
                color="#ffd400",  # too light for white text: the widget picks dark text
                emergency_number="112",
                lang="en",
            ),
        )
        open_widget(page, url)
        expect(page.get_by_role("dialog")).to_have_accessible_name("Ask our nurse bot")
        expect(page.get_by_role("note")).to_contain_text("112")
        say(page, "hello")
        assert "can't diagnose" in bot_texts(page)[0]
        assert not page.locator(".ssc-msg-error").count()
        ratio = page.locator(".ssc-msg-user").evaluate_all(_contrast_script())[0][1]
        assert ratio >= 4.5
        page.locator(".ssc-panel").screenshot(path=artifacts / "widget-10-other-site.png")


def test_widget_on_a_site_not_in_the_allow_list_fails_safe(
    page: Page, stack: Stack, host_site: HostSite
):
    url = host_site.page("index.html", _host_page(stack.gateway_url, emergency_number="112"))
    open_widget(page, url)  # the stack allows no other origin
    say(page, "hello")
    error = page.locator(".ssc-msg-error")
    expect(error).to_contain_text("can't reach the symptom checker")
    expect(error).to_contain_text("call 112 now")
