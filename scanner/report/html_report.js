// provscan QC report: filters and search over the cards, with no server and no network.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var onlyBad = document.getElementById("only-violations");
  var verdict = document.getElementById("verdict");
  var folder = document.getElementById("folder");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  if (!onlyBad || !verdict || !folder || !search || !shown) { return; }

  function matches(card, words) {
    if (onlyBad.checked && card.dataset.gate === "pass") { return false; }
    if (verdict.value && card.dataset.verdict !== verdict.value) { return false; }
    if (folder.value && card.dataset.folder !== folder.value) { return false; }
    var text = card.dataset.text || "";
    for (var i = 0; i < words.length; i++) {
      if (text.indexOf(words[i]) < 0) { return false; }
    }
    return true;
  }

  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    cards.forEach(function (card) {
      var ok = matches(card, words);
      card.hidden = !ok;
      if (ok) { count++; }
    });
    shown.textContent = "Showing " + count + " of " + cards.length + " files with findings";
  }

  [onlyBad, verdict, folder].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  // Printing shows every card with its findings opened, whatever the filters say.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  apply();
})();
