// Warns before the idle time-out signs the user out, and offers to stay signed in.
// The server decides (triage.auth.sessions); this only reads /session/status, which does not
// count as activity, and posts to /session/keep-alive when the user asks to stay.
const WARN_SECONDS = 120;
const STATUS_URL = "/session/status";
const KEEP_ALIVE_URL = "/session/keep-alive";

let timer = null;
let notice = null;

async function secondsLeft() {
  try {
    const response = await fetch(STATUS_URL, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return 0;
    const body = await response.json();
    return Number(body.seconds_left) || 0;
  } catch {
    return null; // offline for a moment: check again later
  }
}

function csrfToken() {
  const input = document.querySelector('input[name="csrf_token"]');
  return input ? input.value : "";
}

function signedOut() {
  window.location.assign("/sign-in");
}

function buildNotice() {
  const banner = document.createElement("div");
  banner.className = "govuk-notification-banner app-session-warning";
  banner.setAttribute("role", "alert");
  banner.setAttribute("aria-labelledby", "session-warning-title");
  const header = document.createElement("div");
  header.className = "govuk-notification-banner__header";
  const title = document.createElement("h2");
  title.className = "govuk-notification-banner__title";
  title.id = "session-warning-title";
  title.textContent = "Important";
  header.append(title);
  const content = document.createElement("div");
  content.className = "govuk-notification-banner__content";
  const text = document.createElement("p");
  text.className = "govuk-notification-banner__heading";
  text.textContent =
    "You will be signed out soon because you have not done anything for a while. " +
    "Anything you have not saved will be lost.";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-!-margin-bottom-0";
  button.textContent = "Stay signed in";
  button.addEventListener("click", stayAlive);
  content.append(text, button);
  banner.append(header, content);
  return banner;
}

function showNotice() {
  if (notice) return;
  notice = buildNotice();
  const main = document.querySelector("main") || document.body;
  main.prepend(notice);
  notice.querySelector("button").focus();
}

function hideNotice() {
  if (notice) notice.remove();
  notice = null;
}

async function stayAlive() {
  const response = await fetch(KEEP_ALIVE_URL, {
    method: "POST",
    credentials: "same-origin",
    redirect: "manual",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  if (!response.ok) return signedOut();
  hideNotice();
  schedule((await response.json()).seconds_left);
}

function schedule(left) {
  clearTimeout(timer);
  if (left === null) {
    timer = setTimeout(check, 60_000);
  } else if (left <= 0) {
    signedOut();
  } else if (left > WARN_SECONDS) {
    hideNotice();
    timer = setTimeout(check, (left - WARN_SECONDS) * 1000);
  } else {
    showNotice();
    timer = setTimeout(check, left * 1000);
  }
}

async function check() {
  schedule(await secondsLeft());
}

check();
