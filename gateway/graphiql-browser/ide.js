// psgraph's browser IDE: GraphiQL (the UMD bundle of the `graphiql` package, on React's UMD builds) with a bearer
// token field and the README's example operations. Plain browser JavaScript, loaded after React, ReactDOM and GraphiQL;
// served by gateway/graphiql.ts, which also writes the JSON block this script reads its settings from.
(function () {
  'use strict';

  const h = React.createElement;
  const { useEditorContext } = GraphiQL.React;

  const settings = JSON.parse(document.getElementById('psgraph-ide-settings').textContent);
  const tokenKey = 'psgraph:ide:token';

  // The page is served at the endpoint itself (`/graphql`, or wherever a proxy mounts it): queries go back to it, and
  // the graphql-ws socket opens on the same path.
  const endpoint = new URL(window.location.pathname, window.location.origin);
  const subscriptionUrl = new URL(endpoint);
  subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  const storedToken = () => {
    try {
      return window.localStorage.getItem(tokenKey) || '';
    } catch {
      return ''; // storage refused (a private window's policy): the token then lasts as long as the page
    }
  };
  const storeToken = (token) => {
    try {
      if (token) window.localStorage.setItem(tokenKey, token);
      else window.localStorage.removeItem(tokenKey);
    } catch {
      // see storedToken
    }
  };

  /** What a JWT says about itself (roles, expiry); nothing for an API key or anything that does not decode. */
  function describeToken(token) {
    const payload = token.split('.')[1];
    if (!payload) return 'set';
    try {
      const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
      const parts = [];
      if (Array.isArray(claims.roles)) parts.push(claims.roles.join(', '));
      if (typeof claims.exp === 'number') {
        const expiry = new Date(claims.exp * 1000);
        parts.push(expiry.getTime() < Date.now() ? `expired ${expiry.toLocaleString()}` : `valid until ${expiry.toLocaleString()}`);
      }
      return parts.length ? parts.join('; ') : 'set';
    } catch {
      return 'set';
    }
  }

  /**
   * Queries and mutations over HTTP with `Authorization: Bearer <token>`; subscriptions over graphql-ws, the token in
   * `connection_init` as `{ authorization }` (what gateway/subscriptions/ws-server.ts reads). A new fetcher per token:
   * GraphiQL then introspects again, so the docs show what that caller may see.
   */
  function fetcherFor(token) {
    const authorization = token ? { authorization: `Bearer ${token}` } : {};
    const fetcher = GraphiQL.createFetcher({
      url: endpoint.href,
      headers: authorization,
      subscriptionUrl: settings.subscriptions ? subscriptionUrl.href : undefined,
      wsConnectionParams: authorization,
      // The gateway refuses @defer and @stream (README "GraphQL over HTTP"): plain JSON answers only.
      enableIncrementalDelivery: false,
    });
    // GraphiQL picks the transport from the editor's parsed document, which lags the text by a moment: a subscription
    // run right after it was typed or pasted would go over HTTP (and be refused). The document sent decides instead.
    return (params, options) => fetcher(params, { ...options, documentAST: parsed(params.query) ?? options?.documentAST });
  }

  function parsed(query) {
    try {
      return GraphiQL.GraphQL.parse(query);
    } catch {
      return undefined; // the gateway will say what is wrong with it
    }
  }

  function TokenBar({ token, onToken }) {
    const [draft, setDraft] = React.useState(token);
    React.useEffect(() => setDraft(token), [token]);
    const submit = (event) => {
      event.preventDefault();
      onToken(draft.trim());
    };
    return h(
      'form',
      { className: 'psgraph-token-bar', onSubmit: submit },
      h('label', { htmlFor: 'psgraph-token' }, 'Bearer token'),
      h('input', {
        id: 'psgraph-token',
        name: 'token',
        type: 'password',
        autoComplete: 'off',
        spellCheck: false,
        placeholder: 'paste a token: the one npm start printed, or npm run token -- --role WORKER',
        value: draft,
        onChange: (event) => setDraft(event.target.value),
      }),
      h('button', { type: 'submit' }, 'Use'),
      h('button', { type: 'button', onClick: () => onToken(''), disabled: !token }, 'Forget'),
      h('output', { className: 'psgraph-token-status', htmlFor: 'psgraph-token' }, token ? describeToken(token) : 'no token: every request is refused (401)'),
    );
  }

  function ExamplesIcon() {
    return h(
      'svg',
      { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': true },
      h('path', { d: 'M4 5h16M4 10h16M4 15h10M4 20h7' }),
    );
  }

  /** The README's examples, each opened in a tab of its own so nothing typed in the current one is lost. */
  function ExamplesPanel() {
    const editor = useEditorContext({ nonNull: true });
    const open = (example) => {
      editor.addTab();
      // addTab fills the new tab's editors with the defaults when React renders it; the example goes in after that.
      window.setTimeout(() => editor.queryEditor?.setValue(example.query), 0);
    };
    if (settings.examples.length === 0) return h('p', null, 'No examples: this gateway was started without its README.');
    return h(
      'div',
      { className: 'psgraph-examples' },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Examples'),
      h('p', null, 'The operations of the README, on the demo firm. Click one to open it in a new tab, then run it.'),
      h(
        'ul',
        null,
        settings.examples.map((example, index) =>
          h('li', { key: index }, h('button', { type: 'button', onClick: () => open(example), title: example.query }, example.title)),
        ),
      ),
    );
  }

  // One array for the page's life: GraphiQL compares its plugins by reference.
  const plugins = [{ title: 'Examples', icon: ExamplesIcon, content: ExamplesPanel }];

  function Ide() {
    const [token, setToken] = React.useState(storedToken);
    const fetcher = React.useMemo(() => fetcherFor(token), [token]);
    const useToken = (next) => {
      storeToken(next);
      setToken(next);
    };
    return h(
      React.Fragment,
      null,
      h(TokenBar, { token, onToken: useToken }),
      h(
        'div',
        { className: 'psgraph-graphiql' },
        h(
          GraphiQL,
          {
            fetcher,
            // In the sidebar, under the docs and the history.
            plugins,
            // Without a token every introspection is a 401: `null` asks for no schema until there is one.
            schema: token ? undefined : null,
            defaultQuery: settings.examples[0]?.query ?? '{ __typename }\n',
            // The token field is the one place credentials go: the headers editor's contents are not kept.
            shouldPersistHeaders: false,
          },
          h(GraphiQL.Logo, null, 'psgraph'),
        ),
      ),
    );
  }

  ReactDOM.createRoot(document.getElementById('psgraph-ide')).render(h(Ide));
})();
