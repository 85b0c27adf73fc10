// harbormaster's web page script: the CSRF header on every htmx request, the banner that says when the server
// cannot be reached (and clears on the next answer), the viewer's local time on every UTC time, and the small
// uPlot charts. Everything else is server-rendered HTML that htmx refreshes.
;(function () {
  'use strict'

  var lastAnswer = new Date()

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]')
    return meta ? meta.getAttribute('content') : null
  }

  function banner() {
    return document.getElementById('connection')
  }

  function clock(date) {
    return date.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'})
  }

  function showProblem(text) {
    var el = banner()
    if (!el) return
    el.textContent = text
    el.hidden = false
    document.body.classList.add('offline')
  }

  function clearProblem() {
    var el = banner()
    lastAnswer = new Date()
    if (!el || el.hidden) return
    el.hidden = true
    el.textContent = ''
    document.body.classList.remove('offline')
  }

  function unreachable() {
    showProblem('Cannot reach the harbormaster server. What you see is as of ' + clock(lastAnswer) + ' (your time); the page keeps trying every few seconds.')
  }

  document.addEventListener('htmx:configRequest', function (event) {
    var token = csrfToken()
    if (token) event.detail.headers['x-csrf-token'] = token
  })
  document.addEventListener('htmx:sendError', unreachable)
  document.addEventListener('htmx:timeout', unreachable)
  document.addEventListener('htmx:responseError', function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0
    // 401: the session ended; htmx follows the server's HX-Redirect to the sign-in form.
    if (status === 401) return
    if (status >= 500 || status === 0) showProblem('The harbormaster server answered with an error (HTTP ' + status + '). What you see is as of ' + clock(lastAnswer) + ' (your time).')
    else if (status === 429) showProblem('The harbormaster server asks this page to slow down (HTTP 429); it will try again shortly.')
  })
  document.addEventListener('htmx:afterRequest', function (event) {
    if (event.detail.successful) clearProblem()
  })

  /** Every <time datetime> gets the viewer's local time as its title (the text stays UTC). */
  function localTimes(root) {
    var times = root.querySelectorAll ? root.querySelectorAll('time[datetime]') : []
    for (var i = 0; i < times.length; i++) {
      var t = times[i]
      var date = new Date(t.getAttribute('datetime'))
      if (isNaN(date.getTime())) continue
      var local = date.toLocaleString([], {dateStyle: 'medium', timeStyle: 'medium'}) + ' (your time)'
      t.setAttribute('title', t.getAttribute('title') ? t.getAttribute('title') + ' · ' + local : local)
    }
  }

  var TONES = {good: '#1a7f37', bad: '#c62828'}

  /** Draws each [data-chart] under `root`: {label, tone, t: [unix seconds], v: [counts]}. */
  function charts(root) {
    if (typeof window.uPlot !== 'function' || !root.querySelectorAll) return
    var areas = root.querySelectorAll('[data-chart]')
    for (var i = 0; i < areas.length; i++) {
      var area = areas[i]
      if (area.dataset.drawn) continue
      var spec
      try {
        spec = JSON.parse(area.getAttribute('data-chart'))
      } catch (e) {
        continue
      }
      area.dataset.drawn = '1'
      var colour = TONES[spec.tone] || '#555'
      var width = Math.max(200, Math.floor(area.getBoundingClientRect().width || 300))
      new window.uPlot(
        {
          width: width,
          height: 120,
          legend: {show: false},
          cursor: {show: true, drag: {x: false, y: false}},
          scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, Math.max(1, max)] }}},
          axes: [{size: 28, font: '11px system-ui'}, {size: 36, font: '11px system-ui'}],
          series: [{}, {label: spec.label, stroke: colour, fill: colour + '22', width: 1.5, points: {show: false}}],
        },
        [spec.t, spec.v],
        area,
      )
    }
  }

  // htmx:load fires for the first page and for every piece of markup it swaps in.
  document.addEventListener('htmx:load', function (event) {
    localTimes(event.detail.elt)
    charts(event.detail.elt)
  })
})()
