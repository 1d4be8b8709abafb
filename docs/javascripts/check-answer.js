/* "Check my answer": each <form class="check-answer"> judges what a learner types by the claims
   rule (generator/claims.py), exactly, with BigInt fractions:
   - an integer or a fraction is right when it equals the exact value;
   - a decimal with k digits after the point is right when it equals the exact value rounded to k
     digits, half away from zero;
   - a row [a, b] or a matrix [[a, b], [c, d]] is judged entry by entry.
   The expected value is the form's data-exact, JSON embedded from the results at build time: a
   fraction "17/6", or {"lo": "...", "hi": "..."} for an irrational value (its outward-rounded
   enclosure, which a decimal answer is rounded against), nested in arrays for a row or a matrix.
   The form's words (data-right, data-wrong, ...) come from the page's edition. After a submit the
   <output> carries data-verdict: "right", "wrong" or "invalid". Event delegation on the document,
   so that forms on pages loaded by instant navigation work too. */
(function () {
  "use strict";

  var MAX_INPUT = 400; // characters: a longer input is not an answer
  var MAX_DIGITS = 40; // digits in one number, before any arithmetic
  // The scenario number syntax's limits (generator/values.py), so that the page refuses what a
  // claim would: |value| at most 10^12, at most 12 decimal places, a fraction's denominator at most 10^12.
  var MAX_MAGNITUDE = 10n ** 12n, MAX_PLACES = 12, MAX_DENOMINATOR = 10n ** 12n;

  function abs(x) { return x < 0n ? -x : x; }

  function gcd(a, b) { while (b) { var t = a % b; a = b; b = t; } return a; }

  function withinLimits(number) {
    if (number === null) return null;
    var reduced = number.den / gcd(abs(number.num), number.den);
    if (abs(number.num) > MAX_MAGNITUDE * number.den || reduced > MAX_DENOMINATOR) return null;
    if (number.places !== null && number.places > MAX_PLACES) return null;
    return number;
  }

  function normalize(text) {
    return text.replace(/[\u2212\uFF0D\u2013]/g, "-").replace(/\uFF0C/g, ",").replace(/\uFF0F/g, "/")
      .replace(/\uFF3B/g, "[").replace(/\uFF3D/g, "]").replace(/\uFF0E/g, ".").replace(/\s+/g, "");
  }

  /* One number: {num, den, places} (places null for an integer or a fraction), or null. */
  function parseNumber(text) {
    var m = /^([+-]?)(\d+)\/(\d+)$/.exec(text);
    if (m) {
      if (m[2].length > MAX_DIGITS || m[3].length > MAX_DIGITS) return null;
      var den = BigInt(m[3]);
      if (den === 0n) return null;
      var num = BigInt(m[2]);
      return {num: m[1] === "-" ? -num : num, den: den, places: null};
    }
    m = /^([+-]?)(\d*)(?:\.(\d+))?$/.exec(text);
    if (!m || (m[2] === "" && m[3] === undefined)) return null;
    var whole = m[2] || "0", fraction = m[3] || "";
    if (whole.length + fraction.length > MAX_DIGITS) return null;
    var value = BigInt(whole + fraction);
    return {num: m[1] === "-" ? -value : value, den: 10n ** BigInt(fraction.length),
            places: m[3] === undefined ? null : fraction.length};
  }

  /* The input as nested arrays of numbers, or null when it is not one. */
  function parse(text) {
    var at = 0;
    function value() {
      if (text[at] === "[") {
        at += 1;
        var items = [value()];
        while (text[at] === ",") { at += 1; items.push(value()); }
        if (text[at] !== "]" || items.indexOf(null) >= 0) return null;
        at += 1;
        return items;
      }
      var end = at;
      while (end < text.length && ",[]".indexOf(text[end]) < 0) end += 1;
      var number = withinLimits(parseNumber(text.slice(at, end)));
      at = end;
      return number;
    }
    var result = value();
    return at === text.length ? result : null;
  }

  function fraction(text) { // "17/6", "-2", "0.125" as {num, den}
    var parsed = parseNumber(String(text).replace(/\s+/g, ""));
    if (parsed) return parsed;
    var m = /^(-?)(\d*)\.(\d+)$/.exec(text); // an enclosure's long decimal
    var value = BigInt((m[2] || "0") + m[3]);
    return {num: m[1] === "-" ? -value : value, den: 10n ** BigInt(m[3].length)};
  }

  /* p/q rounded to k places, half away from zero, as an integer count of 10^-k. */
  function rounded(num, den, places) {
    var scaled = abs(num) * 10n ** BigInt(places);
    var count = (2n * scaled + den) / (2n * den);
    return num < 0n ? -count : count;
  }

  function decimalText(count, places) {
    var sign = count < 0n ? "-" : "", digits = abs(count).toString();
    if (places === 0) return sign + digits;
    digits = digits.padStart(places + 1, "0");
    return sign + digits.slice(0, -places) + "." + digits.slice(-places);
  }

  /* {right, exact, rounding}: one entry judged; `rounding` is the exact value at the answer's places. */
  function judgeOne(answer, expected) {
    if (typeof expected === "string") {
      var e = fraction(expected);
      if (answer.places === null) return {right: answer.num * e.den === e.num * answer.den, exact: expected};
      var want = rounded(e.num, e.den, answer.places);
      return {right: answer.num === want, exact: expected, rounding: decimalText(want, answer.places)};
    }
    var lo = fraction(expected.lo), hi = fraction(expected.hi);
    var about = decimalText(rounded(lo.num, lo.den, 10), 10);
    if (answer.places === null) return {right: false, exact: about, irrational: true};
    var low = rounded(lo.num, lo.den, answer.places), high = rounded(hi.num, hi.den, answer.places);
    if (low !== high) return {undecided: true};
    return {right: answer.num === low, exact: about, irrational: true, rounding: decimalText(low, answer.places)};
  }

  /* The first entry that is wrong (its place, counted from 1), or the whole verdict. */
  function judge(answer, expected, place) {
    if (Array.isArray(expected)) {
      if (!Array.isArray(answer) || answer.length !== expected.length) return {shape: true};
      for (var i = 0; i < expected.length; i += 1) {
        var verdict = judge(answer[i], expected[i], place.concat([i + 1]));
        if (!verdict.right) return verdict;
      }
      return {right: true};
    }
    if (Array.isArray(answer)) return {shape: true};
    var one = judgeOne(answer, expected);
    one.place = place;
    return one;
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  function check(form) {
    var output = form.querySelector("output"), input = form.querySelector("input");
    var hint = form.querySelector(".check-answer-hint");
    var d = form.dataset, text = normalize(input.value || "");
    var verdict, message;
    var answer = text && text.length <= MAX_INPUT ? parse(text) : null;
    var result = answer === null ? null : judge(answer, JSON.parse(d.exact), []);
    if (result === null || result.shape || result.undecided) {
      verdict = "invalid";
      message = result && result.shape ? d.shape : result && result.undecided ? d.undecided : d.invalid;
    } else if (result.right) {
      verdict = "right";
      var places = fewestPlaces(answer);
      message = places === null ? d.right : fill(d.rightPlaces, {places: places});
    } else {
      verdict = "wrong";
      var place = result.place, where = "";
      if (place.length === 1) where = fill(d.at, {i: place[0]});
      if (place.length === 2) where = fill(d.atCell, {i: place[0], j: place[1]});
      message = fill(result.irrational ? d.wrongAbout : d.wrong, {where: where, exact: result.exact});
      if (result.rounding !== undefined) message += fill(d.rounding, {places: placesOf(answer, place), value: result.rounding});
    }
    output.dataset.verdict = verdict;
    output.textContent = message;
    if (hint) hint.hidden = verdict !== "wrong";
  }

  /* The fewest decimal places among the answer's entries written as decimals (null: none is). */
  function fewestPlaces(answer) {
    if (!Array.isArray(answer)) return answer.places;
    var fewest = null;
    answer.forEach(function (item) {
      var places = fewestPlaces(item);
      if (places !== null && (fewest === null || places < fewest)) fewest = places;
    });
    return fewest;
  }

  function placesOf(answer, place) {
    var node = answer;
    for (var i = 0; i < place.length; i += 1) node = node[place[i] - 1];
    return node.places;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("check-answer")) return;
    event.preventDefault();
    try {
      check(form);
    } catch (error) { // never leave the reader without a verdict
      var output = form.querySelector("output");
      output.dataset.verdict = "invalid";
      output.textContent = form.dataset.invalid;
    }
  });
})();
