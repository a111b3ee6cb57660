// The checkpoint page: decode the pass's QR code from camera frames (BarcodeDetector where the
// browser has it, else jsQR), verify the EdDSA signature offline against the JWKS cached in the
// page (WebCrypto's Ed25519, else TweetNaCl), and record each result: sent at once when online, queued in
// localStorage while offline and sent when the network is back. Every frame, from the camera or
// from an image, goes through handleFrame, so a test feeds the same path the camera does.
(function () {
  "use strict";
  const page = document.getElementById("checkpoint");
  if (!page) return;
  const QUEUE = "fanjing.checkpoint.queue." + page.dataset.checkpoint;
  const REFUSED = "fanjing.checkpoint.refused." + page.dataset.checkpoint;
  const FEVER_FROM = Number(page.dataset.feverFrom);
  const JWKS_KEY = "fanjing.checkpoint.jwks";
  const t = JSON.parse(document.getElementById("checkpoint-texts").textContent);
  const pageJwks = JSON.parse(document.getElementById("checkpoint-jwks").textContent);
  const jwks = pageJwks.keys.length ? pageJwks : JSON.parse(localStorage.getItem(JWKS_KEY) || '{"keys":[]}');
  localStorage.setItem(JWKS_KEY, JSON.stringify(jwks));
  const csrf = page.dataset.csrf;
  const $ = (id) => document.getElementById(id);
  let current = null; // the verified pass on screen
  let commuter = null; // the commuter checked for it, if any

  function b64url(text) {
    const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(plain, (c) => c.charCodeAt(0));
  }

  async function verify(token) {
    const parts = token.trim().split(".");
    if (parts.length !== 3) throw new Error(t.malformed);
    let header, claims;
    try {
      header = JSON.parse(new TextDecoder().decode(b64url(parts[0])));
      claims = JSON.parse(new TextDecoder().decode(b64url(parts[1])));
    } catch (e) {
      throw new Error(t.malformed);
    }
    if (header.alg !== "EdDSA") throw new Error(t.malformed);
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error(t.unknown_key);
    const signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    if (!(await signatureValid(jwk, signed, b64url(parts[2])))) throw new Error(t.tampered);
    const now = Date.now() / 1000;
    if (now >= claims.exp) throw new Error(t.expired);
    if (now < claims.iat - 30) throw new Error(t.not_yet_valid);
    return { name: claims.n, colour: claims.c, popup: !!claims.p, expires: new Date(claims.exp * 1000) };
  }

  // WebCrypto's Ed25519 where the browser has it (Chromium 137+, Safari 17+, Firefox 129+);
  // else, or where crypto.subtle is missing (a page not served over https), TweetNaCl
  let verifier = null;
  async function signatureValid(jwk, signed, signature) {
    try {
      const key = await crypto.subtle.importKey(
        "jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
      verifier = "webcrypto";
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed);
    } catch (unsupported) {
      verifier = "tweetnacl";
      return nacl.sign.detached.verify(signed, signature, b64url(jwk.x));
    }
  }

  function show(pass, problem) {
    const box = $("pass-result");
    box.hidden = false;
    box.dataset.state = problem ? "refused" : pass.colour;
    $("pass-verdict").textContent = problem ? t.refused + problem : t.verified;
    $("pass-colour").textContent = pass ? t["colour_" + pass.colour] : "—";
    $("pass-colour").className = "colour" + (pass ? " " + pass.colour + (pass.popup ? " with-popup" : "") : "");
    $("pass-popup").textContent = pass ? (pass.popup ? t.popup_yes : t.popup_no) : "—";
    $("pass-name").textContent = pass ? pass.name : "—";
    $("pass-expiry").textContent = pass
      ? pass.expires.toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })
      : "—";
    $("record-form").hidden = !pass;
    allowPass();
  }

  // 只需要查看健康码“绿码”及体温正常即可通行: only a green code without a pop-up and a
  // normal temperature may be recorded as passed (the server refuses anything else too)
  function allowPass() {
    const reading = Number($("temperature").value);
    const normal = $("temperature").value !== "" && reading < FEVER_FROM;
    $("outcome-pass").disabled = !current || current.colour !== "green" || current.popup || !normal;
  }

  async function handleToken(token) {
    commuter = null;
    $("commuter-result").textContent = "";
    try {
      current = await verify(token);
      show(current, null);
    } catch (problem) {
      current = null;
      show(null, problem.message);
    }
    return current;
  }

  let decoding = false;
  async function handleFrame(frame) {
    // frame: ImageData from the camera's canvas or from an image
    if (decoding) return null;
    decoding = true;
    try {
      let text = null;
      if ("BarcodeDetector" in window) {
        try {
          const found = await new BarcodeDetector({ formats: ["qr_code"] }).detect(frame);
          if (found.length) text = found[0].rawValue;
        } catch (e) { /* a detector without QR support: jsQR below */ }
      }
      if (text === null) {
        const code = jsQR(frame.data, frame.width, frame.height);
        if (code) text = code.data;
      }
      return text === null ? null : await handleToken(text);
    } finally {
      decoding = false;
    }
  }

  function frameOf(source, width, height) {
    const canvas = $("frame");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  }

  async function scanImage(url) {
    const image = new Image();
    image.src = url;
    await image.decode();
    return handleFrame(frameOf(image, image.naturalWidth, image.naturalHeight));
  }

  async function startCamera() {
    const video = $("camera");
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      $("camera-state").textContent = t.no_camera;
      return;
    }
    video.hidden = false;
    await video.play();
    $("camera-state").textContent = t.camera_on;
    const tick = async () => {
      if (video.videoWidth && !current) await handleFrame(frameOf(video, video.videoWidth, video.videoHeight));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  function queue() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
  function setQueue(items) {
    localStorage.setItem(QUEUE, JSON.stringify(items));
    $("queued").textContent = String(items.length);
  }

  async function post(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const data = await answer.json();
    if (!answer.ok) {
      throw Object.assign(new Error(data.detail || data.title), { refused: true, status: answer.status });
    }
    return data;
  }

  let flushing = false;
  async function flush() {
    const items = queue();
    if (flushing || !items.length || !navigator.onLine) return;
    flushing = true;
    try {
      await send(items);
      $("send-state").textContent = t.sent;
    } catch (problem) {
      $("send-state").textContent = problem.refused ? t.send_refused + problem.message : t.offline_queued;
    } finally {
      flushing = false;
    }
  }

  function forget(items) {
    const sent = new Set(items.map((i) => i.client_id));
    setQueue(queue().filter((i) => !sent.has(i.client_id)));
  }

  // The batch is kept whole or not at all: when the server refuses it (422), each result goes
  // alone, and one it refuses is set aside (shown, kept in the browser) instead of blocking
  // the queue; a lost session or the network keeps the queue as it is.
  async function send(items) {
    try {
      await post("/checkpoint/results", { results: items });
      forget(items);
      return;
    } catch (problem) {
      if (problem.status !== 422 || items.length === 1) {
        if (problem.status === 422) setAside(items[0], problem.message);
        throw problem;
      }
    }
    for (const item of items) {
      try {
        await post("/checkpoint/results", { results: [item] });
        forget([item]);
      } catch (problem) {
        if (problem.status !== 422) throw problem;
        setAside(item, problem.message);
      }
    }
  }

  function setAside(item, why) {
    const refused = JSON.parse(localStorage.getItem(REFUSED) || "[]");
    localStorage.setItem(REFUSED, JSON.stringify([...refused, { ...item, why: why }]));
    forget([item]);
    $("refused").textContent = String(refused.length + 1);
  }

  function randomId() {
    // getRandomValues, unlike randomUUID, exists outside secure contexts too
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function record(outcome) {
    const temperature = $("temperature").value;
    if (!current || !temperature) { $("temperature").focus(); return; }
    const item = {
      client_id: randomId(),
      outcome: outcome,
      colour: current.colour,
      popup: current.popup,
      masked_name: current.name,
      pass_expires_at: current.expires.toISOString(),
      temperature: Number(temperature),
      checked_at: new Date().toISOString(),
      commuter_id: commuter ? commuter.commuter_id : null,
      test_proof_on: $("proof-on").value || null,
    };
    setQueue([...queue(), item]);
    $("send-state").textContent = navigator.onLine ? "" : t.offline_queued;
    current = null;
    commuter = null;
    for (const id of ["temperature", "commuter-number", "proof-on"]) $(id).value = "";
    $("commuter-result").textContent = "";
    $("record-form").hidden = true;
    await flush();
  }

  async function checkCommuter() {
    const out = $("commuter-result");
    if (!navigator.onLine) { out.textContent = t.commuter_offline; return; }
    try {
      commuter = await post("/checkpoint/commuter-check", {
        number: $("commuter-number").value,
        temperature: Number($("temperature").value || "36.5"),
        health_code: current && current.popup ? "popup" : (current ? current.colour : "green"),
        proof_on: $("proof-on").value || null,
      });
      const verdict = commuter.allowed
        ? t.commuter_ok
        : commuter.rule // the 14-day rule itself turned them back
          ? t.commuter_refused + commuter.clause
          : t.commuter_tested_but + commuter.reasons.join(" ");
      out.textContent = verdict + " · " + t.last_test + (commuter.last_negative_test || t.none);
      out.dataset.allowed = String(commuter.allowed);
    } catch (problem) {
      commuter = null;
      out.textContent = problem.message;
      out.dataset.allowed = "false";
    }
  }

  $("token-form").addEventListener("submit", (event) => { event.preventDefault(); handleToken($("token").value); });
  $("camera-start").addEventListener("click", startCamera);
  $("commuter-check").addEventListener("click", checkCommuter);
  $("temperature").addEventListener("input", allowPass);
  for (const button of document.querySelectorAll("[data-outcome]")) {
    button.addEventListener("click", () => record(button.dataset.outcome));
  }
  window.addEventListener("online", flush);
  setInterval(flush, 3000);
  setQueue(queue());
  $("refused").textContent = String(JSON.parse(localStorage.getItem(REFUSED) || "[]").length);
  flush();
  window.fanjingCheckpoint = { handleFrame, scanImage, handleToken, flush, verifier: () => verifier };
})();
