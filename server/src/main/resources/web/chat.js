// streamllm chat page. Talks to the server's OpenAI-compatible API: every turn sends the whole
// conversation to POST /v1/chat/completions (streamed, in a session named by X-Session-Id, so the
// server reuses its cache and prefills only the new tokens), and shows how the session's
// StreamingLLM cache fills up and evicts. The session id lives in localStorage: a reload restores
// the conversation from GET /v1/sessions/{id}. Model text is only ever set as textContent.

const SESSION_KEY = 'streamllm.session';
const API_KEY = 'streamllm.apiKey';
const SETTINGS_KEY = 'streamllm.settings';
/** A session answering a request refuses the next one (409) for a moment, e.g. right after Stop. */
const BUSY_RETRIES = 20;
const BUSY_RETRY_MS = 250;

const $ = (id) => document.getElementById(id);
const ui = {
  model: $('model'),
  newChat: $('new-chat'),
  summary: $('cache-summary'),
  bar: $('cache-bar'),
  note: $('cache-note'),
  legend: {
    sinks: $('legend-sinks'), evicted: $('legend-evicted'), window: $('legend-window'),
    free: $('legend-free'), history: $('legend-history'),
  },
  chat: document.querySelector('main.chat'),
  empty: $('empty'),
  messages: $('messages'),
  error: $('error'),
  errorText: $('error-text'),
  errorClose: $('error-close'),
  composer: $('composer'),
  prompt: $('prompt'),
  send: $('send'),
  settings: document.querySelector('details.settings'),
  maxTokens: $('max-tokens'),
  temperature: $('temperature'),
  forgetKey: $('forget-key'),
  keyDialog: $('key-dialog'),
  keyProblem: $('key-problem'),
  keyInput: $('key-input'),
  keyCancel: $('key-cancel'),
};

const numberFormat = new Intl.NumberFormat();
const n = (value) => numberFormat.format(value);

const state = {
  model: null,      // {id, cache} from GET /v1/models
  sessionId: null,
  saved: false,     // whether the server has a turn of this session (then its id is kept in localStorage)
  messages: [],     // the conversation as sent to the server: {role, content}
  answering: null,  // the AbortController of the answer streaming in
};

/** A refusal from the server (OpenAI's error JSON), or a failure to reach it (status 0). */
class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function readError(response) {
  const text = await response.text();
  try {
    const error = JSON.parse(text).error;
    if (error && error.message) {
      return new ApiError(response.status, error.message, error.code);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return new ApiError(response.status, `HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}`, null);
}

/** fetch() with the API key; a 401 asks the user for the key and tries again. */
async function api(path, init = {}) {
  for (;;) {
    const headers = new Headers(init.headers);
    const key = localStorage.getItem(API_KEY);
    if (key) {
      headers.set('Authorization', `Bearer ${key}`);
    }
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (e) {
      if (e.name === 'AbortError') {
        throw e;
      }
      throw new ApiError(0, `cannot reach the server (${e.message}); is streamllm serve still running?`, 'unreachable');
    }
    if (response.ok) {
      return response;
    }
    const error = await readError(response);
    if (response.status !== 401) {
      throw error;
    }
    const newKey = await askForKey(key ? `The server refused the key: ${error.message}.` : '');
    if (newKey === null) {
      throw new ApiError(401, `${error.message}. This server needs an API key: reload the page to enter it.`, error.code);
    }
    localStorage.setItem(API_KEY, newKey);
    ui.forgetKey.hidden = false;
  }
}

/** Shows the key dialog; resolves to the key entered, or null when cancelled. */
function askForKey(problem) {
  ui.keyProblem.textContent = problem;
  ui.keyInput.value = '';
  ui.keyDialog.returnValue = '';
  ui.keyDialog.showModal();
  return new Promise((resolve) => {
    ui.keyDialog.addEventListener('close', () => {
      const key = ui.keyDialog.returnValue === 'save' ? ui.keyInput.value.trim() : '';
      resolve(key || null);
    }, { once: true });
  });
}

/** The served model; waits while the server is still loading it. */
async function connect() {
  for (;;) {
    try {
      const models = await (await api('/v1/models')).json();
      return models.data[0];
    } catch (e) {
      if (e.status !== 503 || e.code !== 'model_loading') {
        throw e;
      }
      ui.model.textContent = 'the model is loading…';
      await sleep(1000);
    }
  }
}

/** Yields the data of each server-sent event of a response body. */
async function* serverSentEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, '').replace(/\r$/, ''))
          .join('\n');
        if (data) {
          yield data;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// ---- the cache indicator ----

/** Capacity of a cache spec (sink:S:W holds S + W tokens; window:W and recompute:W hold W). */
function capacityOf(spec) {
  const sizes = String(spec ?? '').split(':').slice(1).map(Number);
  const capacity = sizes.reduce((sum, size) => sum + size, 0);
  return sizes.length > 0 && Number.isFinite(capacity) ? capacity : 0;
}

const plural = (count, word) => `${n(count)} ${word}${count === 1 ? '' : 's'}`;

/** Shows a session's stats (the "stats" of the streamllm extension); null: a conversation not started. */
function showStats(stats) {
  const s = stats ?? {
    turns: 0, history_tokens: 0, cache_tokens: 0, cache_capacity: capacityOf(state.model?.cache),
    sink_tokens: 0, window_tokens: 0, evicted_tokens: 0, restarts: 0,
  };
  const free = Math.max(0, s.cache_capacity - s.cache_tokens);
  const gone = Math.max(0, s.history_tokens - s.cache_tokens); // the part of the conversation no longer held
  ui.summary.textContent = `cache ${n(s.cache_tokens)}/${n(s.cache_capacity)} tokens `
    + `(${plural(s.sink_tokens, 'sink')} + ${n(s.window_tokens)} window) · ${n(s.evicted_tokens)} evicted · turn ${n(s.turns)}`;

  // The conversation to scale, except that a long evicted past is drawn at most twice the cache's width.
  const widths = {
    sinks: s.sink_tokens, evicted: Math.min(gone, 2 * s.cache_capacity), window: s.window_tokens, free,
  };
  for (const [name, width] of Object.entries(widths)) {
    const segment = ui.bar.querySelector(`.segment.${name}`);
    segment.style.flexGrow = String(width);
    segment.toggleAttribute('data-empty', width === 0);
  }
  ui.bar.setAttribute('aria-label', `${plural(s.sink_tokens, 'attention sink')}, ${n(gone)} tokens evicted, `
    + `${n(s.window_tokens)} tokens in the window, ${n(free)} free of ${n(s.cache_capacity)}`);
  ui.legend.sinks.textContent = n(s.sink_tokens);
  ui.legend.evicted.textContent = n(s.evicted_tokens);
  ui.legend.window.textContent = n(s.window_tokens);
  ui.legend.free.textContent = n(free);
  ui.legend.history.textContent = n(s.history_tokens);

  ui.note.hidden = gone === 0;
  ui.note.textContent = `The conversation is longer than the cache: its oldest ${n(gone)} tokens were let go, and `
    + `the ${plural(s.sink_tokens, 'attention sink')} with the latest ${n(s.window_tokens)} tokens carry it on.`
    + (s.restarts > 0 ? ` An edit of the evicted past made the server re-read it ${plural(s.restarts, 'time')}.` : '');
}

// ---- messages ----

const ROLE_NAMES = { user: 'You', assistant: 'Assistant', system: 'System' };

/** The text as shown: without the leading space a model's answer starts with after "Assistant:". */
const shown = (text) => text.replace(/^\s+/, '');

function renderMessage(message) {
  const item = document.createElement('li');
  item.className = `message ${message.role === 'user' ? 'user' : 'assistant'}`;
  const role = document.createElement('p');
  role.className = 'role';
  role.textContent = ROLE_NAMES[message.role] ?? message.role;
  const content = document.createElement('p');
  content.className = 'content';
  content.textContent = shown(message.content);
  item.append(role, content);
  ui.messages.append(item);
  ui.empty.hidden = true;
  return item;
}

function scrollToEnd() {
  ui.chat.scrollTop = ui.chat.scrollHeight;
}

function showConversation(messages) {
  state.messages = messages;
  ui.messages.replaceChildren();
  messages.forEach(renderMessage);
  ui.empty.hidden = messages.length > 0;
  scrollToEnd();
}

const FINISH_NAMES = { stop: 'finished', length: 'cut at max tokens', cancelled: 'stopped' };

/** The line under a new answer: its length, why it ended, and how much of the prompt the cache already held. */
function answerMeta(finish, usage, extension) {
  const parts = [];
  if (usage) {
    parts.push(plural(usage.completion_tokens, 'token'));
  }
  parts.push(FINISH_NAMES[finish] ?? finish);
  if (extension) {
    parts.push(`prompt: ${n(extension.reused_tokens)} tokens from the cache, ${n(extension.prefilled_tokens)} new`);
  }
  return parts.join(' · ');
}

// ---- errors ----

function showError(error) {
  ui.errorText.textContent = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
}

// ---- a turn ----

function settings() {
  return { max_tokens: Number(ui.maxTokens.value), temperature: Number(ui.temperature.value) };
}

async function postTurn(signal) {
  const body = JSON.stringify({
    model: state.model.id,
    messages: state.messages,
    stream: true,
    stream_options: { include_usage: true },
    ...settings(),
  });
  for (let attempt = 0; ; attempt++) {
    try {
      return await api('/v1/chat/completions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Session-Id': state.sessionId },
        body,
        signal,
      });
    } catch (e) {
      if (e.code !== 'session_busy' || attempt >= BUSY_RETRIES) {
        throw e;
      }
      await sleep(BUSY_RETRY_MS);
    }
  }
}

function setAnswering(controller) {
  state.answering = controller;
  ui.send.textContent = controller ? 'Stop' : 'Send';
  ui.send.classList.toggle('stop', controller !== null);
  ui.messages.setAttribute('aria-busy', String(controller !== null));
}

async function send(text) {
  hideError();
  const conversation = state.messages; // "New conversation" replaces it; then this turn has nowhere to go
  const before = conversation.length;
  conversation.push({ role: 'user', content: text });
  const question = renderMessage({ role: 'user', content: text });
  const answer = renderMessage({ role: 'assistant', content: '' });
  const answerText = answer.querySelector('.content');
  answer.setAttribute('aria-busy', 'true');
  scrollToEnd();

  const controller = new AbortController();
  setAnswering(controller);
  let reply = '';
  let finish = null;
  let usage = null;
  let extension = null;
  try {
    const response = await postTurn(controller.signal);
    for await (const data of serverSentEvents(response.body)) {
      if (data === '[DONE]') {
        break;
      }
      const chunk = JSON.parse(data);
      if (chunk.error) {
        throw new ApiError(0, chunk.error.message, chunk.error.code);
      }
      const choice = chunk.choices?.[0];
      if (choice?.delta?.content) {
        reply += choice.delta.content;
        answerText.textContent = shown(reply);
        scrollToEnd();
      }
      finish = choice?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
      extension = chunk.streamllm ?? extension;
    }
    if (finish === null) {
      throw new ApiError(0, 'the answer broke off: the connection closed before it was complete', 'incomplete');
    }
  } catch (e) {
    if (state.messages !== conversation) {
      return;
    }
    if (e.name !== 'AbortError' || !reply) {
      // Nothing of this turn counts: take it back and give the text back to edit or resend.
      conversation.length = before;
      question.remove();
      answer.remove();
      ui.empty.hidden = conversation.length > 0;
      if (!ui.prompt.value) {
        ui.prompt.value = text;
      }
      if (e.name !== 'AbortError') {
        showError(e);
      }
      return;
    }
    finish = 'cancelled'; // Stop: the server keeps what it generated, and so does the page
  } finally {
    if (state.answering === controller) {
      setAnswering(null);
    }
  }
  if (state.messages !== conversation) {
    return;
  }
  conversation.push({ role: 'assistant', content: reply });
  answer.setAttribute('aria-busy', 'false');
  answer.dataset.finish = finish;
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = answerMeta(finish, usage, extension);
  answer.append(meta);
  if (!state.saved) {
    state.saved = true;
    localStorage.setItem(SESSION_KEY, state.sessionId);
  }
  if (extension) {
    showStats(extension.stats);
  }
  scrollToEnd();
}

// ---- sessions ----

function newSessionId() {
  // crypto.randomUUID needs a secure context; a page opened over plain http on a LAN address is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function beginConversation() {
  state.sessionId = newSessionId();
  state.saved = false;
  localStorage.removeItem(SESSION_KEY);
  showConversation([]);
  showStats(null);
}

/** Restores the conversation of the stored session; a session the server no longer has starts afresh. */
async function restore(id) {
  try {
    const session = await (await api(`/v1/sessions/${encodeURIComponent(id)}`)).json();
    state.sessionId = id;
    state.saved = true;
    showConversation((session.messages ?? []).map(({ role, content }) => ({ role, content })));
    showStats(session.stats);
  } catch (e) {
    if (e.status !== 404) {
      throw e;
    }
    beginConversation();
    showError(new Error('The server no longer has the previous conversation (it was restarted without --state-dir,'
      + ' or the conversation was deleted); this is a new one.'));
  }
}

async function newConversation() {
  state.answering?.abort();
  setAnswering(null);
  hideError();
  const old = state.saved ? state.sessionId : null;
  beginConversation();
  ui.prompt.focus();
  if (old) {
    // Frees the old conversation's cache and files on the server; the page cannot reach it any more anyway.
    try {
      await api(`/v1/sessions/${encodeURIComponent(old)}`, { method: 'DELETE' });
    } catch {
      // best effort: the server forgets idle sessions by itself
    }
  }
}

// ---- wiring ----

function loadSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}');
    if (saved.maxTokens) {
      ui.maxTokens.value = saved.maxTokens;
    }
    if (saved.temperature !== undefined) {
      ui.temperature.value = saved.temperature;
    }
  } catch {
    localStorage.removeItem(SETTINGS_KEY);
  }
}

function saveSettings() {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify({
    maxTokens: ui.maxTokens.value, temperature: ui.temperature.value,
  }));
}

function fitPromptHeight() {
  ui.prompt.style.height = 'auto';
  ui.prompt.style.height = `${ui.prompt.scrollHeight + 2}px`;
}

function submit(event) {
  event.preventDefault();
  if (state.answering) {
    state.answering.abort();
    return;
  }
  for (const input of [ui.maxTokens, ui.temperature]) {
    if (!input.checkValidity()) {
      ui.settings.open = true;
      input.reportValidity();
      return;
    }
  }
  const text = ui.prompt.value.trim();
  if (!text) {
    return;
  }
  ui.prompt.value = '';
  fitPromptHeight();
  send(text);
}

function wire() {
  ui.composer.noValidate = true; // checked in submit(): the browser's bubble cannot point into closed settings
  ui.composer.addEventListener('submit', submit);
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!state.answering) { // while an answer streams in, Enter must not stop it: that is the button's job
        ui.composer.requestSubmit();
      }
    }
  });
  ui.prompt.addEventListener('input', fitPromptHeight);
  ui.maxTokens.addEventListener('change', saveSettings);
  ui.temperature.addEventListener('change', saveSettings);
  ui.newChat.addEventListener('click', newConversation);
  ui.errorClose.addEventListener('click', hideError);
  ui.keyCancel.addEventListener('click', () => ui.keyDialog.close('cancel'));
  ui.forgetKey.hidden = !localStorage.getItem(API_KEY);
  ui.forgetKey.addEventListener('click', () => {
    localStorage.removeItem(API_KEY);
    ui.forgetKey.hidden = true;
  });
}

async function start() {
  wire();
  loadSettings();
  try {
    state.model = await connect();
    ui.model.textContent = `${state.model.id} · ${state.model.cache}`;
    const stored = localStorage.getItem(SESSION_KEY);
    if (stored) {
      await restore(stored);
    } else {
      beginConversation();
    }
    ui.prompt.disabled = false;
    ui.send.disabled = false;
    ui.prompt.focus();
    document.body.dataset.state = 'ready';
  } catch (e) {
    ui.model.textContent = 'not connected';
    showError(e);
    document.body.dataset.state = 'failed';
  }
}

start();
