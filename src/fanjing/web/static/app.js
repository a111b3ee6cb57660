// fanjing pages: place suggestions as one types, more stays on the check form, and
// elements that refresh themselves (the health-kit pass). No framework, no external asset.
"use strict";

function suggestPlaces(input) {
  const list = document.getElementById(input.getAttribute("list"));
  if (!list) return;
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      if (text.length < 2) return;
      const answer = await fetch("/places/suggest?q=" + encodeURIComponent(text));
      if (!answer.ok) return;
      const names = await answer.json();
      list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
    }, 150);
  });
}

function addStay(button) {
  button.addEventListener("click", () => {
    const stays = button.parentElement.querySelectorAll(".stay");
    const last = stays[stays.length - 1];
    const index = stays.length;
    if (index >= 10) return;
    const copy = last.cloneNode(true);
    copy.dataset.index = index;
    copy.querySelectorAll("input").forEach((input) => {
      input.name = input.name.replace(/\d+$/, String(index));
      input.value = "";
    });
    last.after(copy);
    copy.querySelectorAll("input.place").forEach(suggestPlaces);
    copy.querySelector("input").focus();
  });
}

function refreshEvery(element) {
  const seconds = Number(element.dataset.refresh || "0");
  if (!seconds) return;
  setInterval(async () => {
    const answer = await fetch(element.dataset.source, { headers: { Accept: "text/html" } });
    // a lapsed session is redirected to the login page: keep the last content, not that page
    if (answer.ok && !answer.redirected) element.innerHTML = await answer.text();
  }, seconds * 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.place").forEach(suggestPlaces);
  const add = document.getElementById("add-stay");
  if (add) addStay(add);
  document.querySelectorAll("[data-refresh]").forEach(refreshEvery);
  // a refused form's errors: bring them into view and to the screen reader at once
  const problem = document.querySelector("[data-focus]");
  if (problem) problem.focus();
});
