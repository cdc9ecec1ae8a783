// Progressive enhancement only: every form works without this file.
"use strict";

// The commune list follows the chosen province.
function followProvince() {
  const province = document.getElementById("province");
  const commune = document.getElementById("commune");
  if (!province || !commune) return;
  province.addEventListener("change", async () => {
    const first = commune.options[0].cloneNode(true);
    commune.replaceChildren(first);
    if (!province.value) return;
    const response = await fetch(`/places/${encodeURIComponent(province.value)}`);
    if (!response.ok) return;
    for (const c of await response.json()) {
      commune.add(new Option(c.name, c.code));
    }
  });
}

// Parts of the form shown only for some answers: data-when="field=value1,value2".
function conditionalParts() {
  const parts = document.querySelectorAll("[data-when]");
  const update = () => {
    for (const part of parts) {
      const [name, wanted] = part.dataset.when.split("=");
      const checked = document.querySelector(`input[name="${name}"]:checked`);
      part.hidden = !(checked && wanted.split(",").includes(checked.value));
    }
  };
  document.querySelectorAll("input[type=radio]").forEach((r) => r.addEventListener("change", update));
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  followProvince();
  conditionalParts();
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
