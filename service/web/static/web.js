// Progressive enhancement for the coordinator pages; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
  for (const button of document.querySelectorAll("button[data-expand]")) {
    const tables = document.querySelectorAll("details.criteria");
    let open = false;
    button.hidden = false;
    button.addEventListener("click", () => {
      open = !open;
      for (const details of tables) details.open = open;
      button.textContent = open ? "Close every criteria table" : "Open every criteria table";
    });
  }
});
