import Vapor

/// The pages' one stylesheet, served by the app itself (no CDN: the pages work on a closed network and
/// the Content-Security-Policy allows nothing from elsewhere). Kept in Swift, not in a template, because
/// Leaf would read CSS colours such as `#fff` as tags.
enum Stylesheet {
    package static func register(_ routes: any RoutesBuilder) {
        routes.get("assets", "mynagate.css") { _ -> Response in
            let res = Response(status: .ok, body: .init(string: css))
            res.headers.replaceOrAdd(name: .contentType, value: "text/css; charset=utf-8")
            res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
            return res
        }
    }

    static let css = """
        *{box-sizing:border-box}
        html{font-size:100%;-webkit-text-size-adjust:100%}
        body{margin:0;font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP","Noto Sans JP",Meiryo,sans-serif;line-height:1.6;color:#1b1f24;background:#f5f6f8}
        a{color:#0b57d0}
        a:focus,button:focus,input:focus,select:focus{outline:3px solid #f0a500;outline-offset:2px}
        .sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
        .skip:focus{left:.5rem}
        header{background:#14325c;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem}
        header a{color:#fff}
        .brand{font-weight:700;font-size:1.1rem;margin-right:auto}
        nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
        nav a{text-decoration:none;padding:.25rem .1rem;display:inline-block}
        nav a[aria-current=page]{border-bottom:3px solid #f0a500}
        nav details.menu{position:relative}
        nav summary{cursor:pointer;padding:.25rem .1rem}
        nav details.menu>ul{display:block;position:absolute;z-index:10;background:#14325c;padding:.25rem .75rem;min-width:12rem;box-shadow:0 2px 6px rgba(0,0,0,.3)}
        nav summary.current{border-bottom:3px solid #f0a500}
        .chart-pair{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
        @media (max-width:40rem){nav details.menu>ul{position:static}}
        .tools{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
        .tools button{background:transparent;color:#fff;border:1px solid #fff}
        main{max-width:72rem;margin:0 auto;padding:1rem}
        h1{font-size:1.5rem;margin:.5rem 0 1rem}
        h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
        section>h2:first-child{margin-top:0}
        section{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:1rem;margin:0 0 1rem}
        .table-wrap{overflow-x:auto}
        table{border-collapse:collapse;width:100%;background:#fff}
        caption{text-align:left;font-weight:700;padding:.25rem 0}
        th,td{border-bottom:1px solid #e3e6ea;padding:.4rem .5rem;text-align:left;vertical-align:top}
        th{background:#eef1f5;white-space:nowrap}
        label{display:block;font-weight:600;margin:.5rem 0 .2rem}
        input,select{font:inherit;padding:.5rem;border:1px solid #8a94a3;border-radius:6px;width:100%;max-width:28rem;background:#fff}
        button,.button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid #14325c;background:#14325c;color:#fff;cursor:pointer;text-decoration:none;display:inline-block;min-height:44px}
        button.secondary,.button.secondary{background:#fff;color:#14325c}
        button.danger{background:#b3261e;border-color:#b3261e}
        form.inline{display:inline}
        td select{width:auto}
        .filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:end}
        .actions{margin-top:1rem;display:flex;flex-wrap:wrap;gap:.5rem}
        .flash{background:#e6f4ea;border:1px solid #1e8e3e;padding:.5rem 1rem;border-radius:6px}
        .error{background:#fce8e6;border:1px solid #b3261e;padding:.5rem 1rem;border-radius:6px}
        .hint{color:#4a5563;font-size:.9rem}
        .stat{display:inline-block;min-width:10rem;margin:0 1rem .5rem 0}
        .stat strong{display:block;font-size:1.6rem}
        .alert-on{color:#b3261e}
        .state-suspended{color:#b3261e;font-weight:700}
        .state-retired{color:#6b7280}
        .code{font-family:ui-monospace,monospace;font-size:1.3rem;letter-spacing:.1em;word-break:break-all}
        .mono{font-family:ui-monospace,monospace;word-break:break-all}
        textarea{font:inherit;padding:.5rem;border:1px solid #8a94a3;border-radius:6px;width:100%;max-width:48rem}
        fieldset{border:1px solid #d9dde3;border-radius:6px;margin:.5rem 0;padding:.5rem 1rem}
        label.choice{font-weight:400;display:block}
        label.choice input{width:auto}
        .pre{white-space:pre-wrap}
        .photo{max-width:12rem;border:1px solid #8a94a3}
        ul.plain{list-style:none;padding-left:0}
        section.evacuation{border-left:.5rem solid #b3261e}
        section.drill{border-left:.5rem solid #b06000}
        ul.muster-list li{padding:.5rem 0;border-bottom:1px solid #d9dde3}
        ul.muster-list li.unaccounted strong{color:#b3261e}
        @media print{
          header,.no-print,.skip{display:none}
          body{background:#fff}
          section{border:none;padding:0}
          .page-break{break-before:page}
        }
        @media (max-width:40rem){
          th,td{padding:.3rem}
          .hide-narrow{display:none}
          main{padding:.5rem}
        }
        """
}
