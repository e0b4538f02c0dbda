// The scenario form shows the figures of the chosen way of giving the wave only: the model's or the pasted beds.
// Without script both show, and the page uses those of the chosen kind.
(function () {
  "use strict";
  const radios = document.querySelectorAll('input[name="kind"]');
  function show() {
    const chosen = document.querySelector('input[name="kind"]:checked');
    document.querySelectorAll("fieldset[data-kind]").forEach(function (box) {
      box.hidden = chosen !== null && box.dataset.kind !== chosen.value;
    });
  }
  radios.forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
})();
