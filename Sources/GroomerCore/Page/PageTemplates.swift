import Mustache

/// The page's Mustache templates, compiled into the binary (one file to deploy). Every `{{…}}`
/// is HTML-escaped: what an issue's author wrote is shown as text. The one `{{{chart}}}` is SVG
/// groomer draws from numbers and escaped labels.
enum PageTemplates {
    /// The templates parsed once; a template that does not parse (a bug every page test
    /// catches) makes the page answer 500 with its error instead of stopping the process.
    static let library: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        for (name, text) in [("layout", layout), ("login", login), ("page", page), ("message", message)] {
            try library.register(text, named: name)
        }
        return library
    }

    /// `view` rendered with the template `name`.
    static func render(_ view: [String: Any], template name: String) throws(APIError) -> String {
        let library: MustacheLibrary
        switch self.library {
        case .success(let parsed): library = parsed
        case .failure(let error): throw APIError(status: .internalServerError, reason: "page templates do not parse: \(error)")
        }
        guard let text = library.render(view, withTemplate: name) else {
            throw APIError(status: .internalServerError, reason: "page template \(name) is missing")
        }
        return text
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 48px;color:#1f2328;background:#fff}
        header{display:flex;align-items:center;justify-content:space-between;border-bottom:1px solid #d0d7de;margin-bottom:12px}
        h1{font-size:20px;margin:12px 0}h2{font-size:16px;margin:24px 0 8px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eaeef2}
        th{font-weight:600;background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .notice{background:#ddf4ff;border:1px solid #54aeff;padding:6px 10px;border-radius:6px}
        .error{color:#cf222e}.muted{color:#59636e}.tag{display:inline-block;border:1px solid #d0d7de;border-radius:10px;padding:0 6px;margin:1px 2px;white-space:nowrap}
        .applied{color:#1a7f37}.failed{color:#cf222e}.dry_run,.suggested{color:#9a6700}
        form.inline{display:inline-flex;gap:6px;align-items:center;margin:0 12px 6px 0}
        input,select,button{font:inherit;padding:2px 6px}button{cursor:pointer}
        svg text{font:11px system-ui,sans-serif;fill:#59636e}
        """

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>{{title}}</title><style>\(style)</style></head>
        <body>{{$body}}{{/body}}</body></html>
        """

    static let login = """
        {{<layout}}{{$body}}
        <header><h1>groomer</h1></header>
        {{#problem}}<p class="error" role="alert">{{.}}</p>{{/problem}}
        <form method="post" action="/ui/login">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button type="submit">Log in</button>
        </form>
        {{/body}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$body}}
        <header><h1>groomer</h1></header>
        <p class="error" role="alert">{{message}}</p>
        <p><a href="/ui">Back to the page</a></p>
        {{/body}}{{/layout}}
        """

    static let page = """
        {{<layout}}{{$body}}
        <header><h1>groomer</h1>
        <form method="post" action="/ui/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Log out</button></form>
        </header>
        {{#notice}}<p class="notice" role="status" id="notice">{{.}}</p>{{/notice}}

        <section id="actions"><h2>Actions</h2>
        <form method="post" action="/ui/run" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Start a run</button></form>
        <form method="post" action="/ui/regroom" class="inline" id="regroom"><input type="hidden" name="csrf" value="{{csrf}}">
        <input name="repository" placeholder="OWNER/REPO" required size="24" value="{{filter.repository}}">
        <input name="number" type="number" min="1" placeholder="issue" required style="width:7em">
        <select name="mode"><option value="dry_run">dry run: record, write nothing</option><option value="forced">forced: groom again, policy's mode</option></select>
        <button type="submit">Re-groom</button></form>
        </section>

        <section id="repositories"><h2>Repositories</h2>
        {{^repositories}}<p class="muted">No repository yet: groomer learns of one from its first delivery.</p>{{/repositories}}
        {{#hasRepositories}}<table><thead><tr><th>repository</th><th>mode</th><th>policy from</th><th>learned model</th><th>last sweep</th></tr></thead><tbody>
        {{#repositories}}<tr><td><a href="/ui?repository={{name}}">{{name}}</a></td><td>{{mode}}</td>
        <td>{{policySource}}{{#configError}}<div class="error">{{.}}</div>{{/configError}}{{#ignoredKeys}}<div class="muted">left out: {{.}}</div>{{/ignoredKeys}}</td>
        <td>{{#model}}{{.}}{{/model}}{{^model}}<span class="muted">none</span>{{/model}}</td><td>{{lastSweep}}</td></tr>
        {{/repositories}}</tbody></table>{{/hasRepositories}}
        </section>

        <section id="precision"><h2>Live precision{{#filter.repository}} of {{.}}{{/filter.repository}}</h2>
        <p class="muted">Of the labels groomer wrote in the last 90 days, the share no human removed within 7 days; and the labels humans added that groomer had not proposed.</p>
        {{^precision}}<p class="muted">Nothing written yet.</p>{{/precision}}
        {{#hasPrecision}}<table><thead><tr><th>label</th><th>written</th><th>removed by a human within 7 days</th><th>live precision</th><th>added by humans, not proposed</th></tr></thead><tbody>
        {{#precision}}<tr><td>{{label}}</td><td class="num">{{written}}</td><td class="num">{{removed}}</td><td class="num">{{precision}}</td><td class="num">{{addedByHumans}}</td></tr>{{/precision}}
        </tbody></table>{{/hasPrecision}}
        <figure>{{{chart}}}<figcaption class="muted">Per week, the last 12: grooms (grey) and corrections, a human removing a label groomer wrote (red).</figcaption></figure>
        </section>

        <section id="queue"><h2>Queue</h2>
        {{^queue}}<p class="muted">Nothing pending.</p>{{/queue}}
        {{#hasQueue}}<table><thead><tr><th>issue</th><th>status</th><th>due (next try)</th><th>attempts</th><th>last error</th></tr></thead><tbody>
        {{#queue}}<tr><td><a href="{{url}}">{{issue}}</a></td><td class="{{status}}">{{status}}{{#forced}} (forced){{/forced}}</td><td>{{dueAt}}</td><td class="num">{{attempts}}</td><td class="error">{{lastError}}</td></tr>{{/queue}}
        </tbody></table>{{/hasQueue}}
        </section>

        <section id="decisions"><h2>Recent decisions</h2>
        <form method="get" action="/ui" class="inline" id="filter">
        <input name="repository" placeholder="OWNER/REPO" value="{{filter.repository}}" size="24">
        <select name="outcome"><option value="">any outcome</option>{{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/outcomes}}</select>
        <button type="submit">Filter</button></form>
        {{^decisions}}<p class="muted">No decision recorded{{#filter.any}} for this filter{{/filter.any}}.</p>{{/decisions}}
        {{#hasDecisions}}<table><thead><tr><th>when</th><th>issue</th><th>outcome</th><th>proposed (confidence: reason)</th><th>written / suggested</th><th>left out</th><th>triage</th></tr></thead><tbody>
        {{#decisions}}<tr class="decision"><td>{{when}}</td><td><a href="{{url}}">{{issue}}</a><div>{{title}}</div></td>
        <td class="{{outcome}}">{{outcome}}{{#dryRun}} <span class="tag">dry run</span>{{/dryRun}}{{#forced}} <span class="tag">forced</span>{{/forced}}{{#reason}}<div class="muted">{{.}}</div>{{/reason}}</td>
        <td>{{#proposals}}<div><span class="tag">{{name}}</span> {{confidence}}: {{reason}}</div>{{/proposals}}{{^proposals}}<span class="muted">{{summary}}</span>{{/proposals}}</td>
        <td>{{#written}}<span class="tag">{{.}}</span>{{/written}}{{#planned}}<div class="muted">plan: {{.}}</div>{{/planned}}</td>
        <td>{{#notes}}<div><span class="tag">{{label}}</span> {{why}}</div>{{/notes}}</td>
        <td>{{source}}{{#model}}<div class="muted">{{.}}</div>{{/model}}</td></tr>
        {{/decisions}}</tbody></table>{{/hasDecisions}}
        </section>
        {{/body}}{{/layout}}
        """
}
