/* The query page's editor: YASGUI on /sparql, offline (no CDN, no remote autocompletion).
   Without JavaScript, or if YASGUI failed to load, the plain form runs queries on the server. */
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  if (!holder || typeof window.Yasgui !== "function") { return; }
  var cfg = JSON.parse(holder.getAttribute("data-config"));
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var localPrefix = cfg.base + "id/";
  var ontology = cfg.ontology;  // hash IRIs, served at /ontology

  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,            // every visit starts from this page's query, not old tabs
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    // prefixes and variables complete offline; the class/property completers call a remote
    // service (LOV), which an offline server cannot reach
    yasqe: { autocompleters: ["prefixes", "variables"], value: cfg.query, resizeable: true },
    yasr: { prefixes: cfg.prefixes, pluginOrder: ["table", "response"], defaultPlugin: "table" }
  });
  document.getElementById("plain-form").hidden = true;
  var plainResults = document.getElementById("results");
  if (plainResults) { plainResults.hidden = true; }
  holder.classList.add("ready");

  function tab() { return yasgui.getTab(); }

  // IRIs of this dataset open here, whatever host serves it, not at their persistent base.
  function localise(root) {
    var links = root.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href");
      if (href && href.indexOf(localPrefix) === 0) {
        links[i].setAttribute("href", "/id/" + href.substring(localPrefix.length));
        links[i].removeAttribute("target");
      } else if (href && (href === ontology || href.indexOf(ontology + "#") === 0)) {
        links[i].setAttribute("href", "/ontology" + href.substring(ontology.length));
        links[i].removeAttribute("target");
      }
    }
  }
  new MutationObserver(function () { localise(holder); }).observe(holder, { childList: true, subtree: true });

  var examples = document.querySelectorAll("a.example");
  for (var i = 0; i < examples.length; i++) {
    examples[i].addEventListener("click", function (event) {
      event.preventDefault();
      var t = tab();
      t.setQuery(this.getAttribute("data-query"));
      t.query();
      holder.scrollIntoView();
    });
  }
  tab().setQuery(cfg.query);
  if (cfg.run) { tab().query(); }
})();
