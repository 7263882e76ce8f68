<?xml version="1.0" encoding="UTF-8"?>
<!--
  edgeaudit.xsl: renders an edgeaudit XML report as one self-contained HTML5 page.

  XSLT 1.0 (libxslt). edgeaudit runs it in process for its HTML report option;
  a saved XML report renders the same with
      xsltproc reports/edgeaudit.xsl report.xml > report.html
  The page has inline CSS and inline SVG only: no script, no external font or
  image, and a Content-Security-Policy that forbids them anyway. Every string
  that may come from a packet (SNI, SIP domains, XMPP addresses, banners) is
  written as text, never into an attribute, so the serialiser escapes it.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:svg="http://www.w3.org/2000/svg" exclude-result-prefixes="svg">

  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:key name="flow-by-id" match="flows/flow" use="@id"/>
  <!-- A pack's rules of one table (a newline cannot occur in either attribute). -->
  <xsl:key name="rule-by-pack-table" match="rules/rule" use="concat(@pack, '&#10;', @table)"/>

  <!-- Set by edgeaudit (report-html.c) to render a long flow list in chunks, a few at a time:
       "apart" renders the page with the comment edgeaudit-flow-rows where the rows of the flow
       table go and $flow-count as their number; "only" renders just those rows, for the flows
       of one chunk. Empty (as xsltproc runs it): the whole page at once. -->
  <xsl:param name="flow-rows" select="''"/>
  <xsl:param name="flow-count" select="''"/>

  <xsl:variable name="r" select="/edgeaudit-report"/>
  <xsl:variable name="cap" select="$r/capture"/>

  <!-- The capture window in seconds, for the timeline. -->
  <xsl:variable name="cap-first">
    <xsl:if test="$cap/@first"><xsl:call-template name="secs"><xsl:with-param name="t" select="$cap/@first"/></xsl:call-template></xsl:if>
  </xsl:variable>
  <xsl:variable name="cap-last">
    <xsl:if test="$cap/@last"><xsl:call-template name="secs"><xsl:with-param name="t" select="$cap/@last"/></xsl:call-template></xsl:if>
  </xsl:variable>
  <xsl:variable name="span" select="number($cap-last) - number($cap-first)"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$flow-rows = 'only'">
        <xsl:for-each select="edgeaudit-report/flows/flow"><xsl:call-template name="flow-row"/></xsl:for-each>
      </xsl:when>
      <xsl:otherwise><xsl:call-template name="page"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="page">
    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <html lang="en">
      <head>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="generator" content="{$r/@generator}"/>
        <title>
          <xsl:text>edgeaudit report: </xsl:text>
          <xsl:choose>
            <xsl:when test="$r/summary/@result = 'compliant'">COMPLIANT</xsl:when>
            <xsl:otherwise>FINDINGS</xsl:otherwise>
          </xsl:choose>
        </title>
        <style><xsl:call-template name="css"/></style>
      </head>
      <body>
        <xsl:apply-templates select="edgeaudit-report"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="edgeaudit-report">
    <header class="top">
      <h1>Lync Server 2013 Edge port audit</h1>
      <p class="meta">
        <xsl:value-of select="@generator"/>
        <xsl:if test="@created">
          <xsl:text> · report created </xsl:text>
          <xsl:call-template name="time"><xsl:with-param name="t" select="@created"/></xsl:call-template>
        </xsl:if>
        <xsl:if test="@host">
          <xsl:text> on </xsl:text><xsl:value-of select="@host"/>
        </xsl:if>
      </p>
    </header>
    <main>
      <xsl:call-template name="changes"/>
      <xsl:call-template name="acceptances"/>
      <xsl:call-template name="banner"/>
      <xsl:call-template name="counts"/>
      <xsl:call-template name="capture"/>
      <xsl:call-template name="matrix"/>
      <xsl:call-template name="findings"/>
      <xsl:call-template name="timeline"/>
      <xsl:call-template name="rule-flows"/>
      <xsl:call-template name="all-flows"/>
    </main>
    <footer>
      <p>Rendered by edgeaudit.xsl from the XML report (<code>xsltproc edgeaudit.xsl report.xml</code> gives this same page).
        Colours: <span class="chip s-observed">observed</span> <span class="chip s-blocked">blocked</span>
        <span class="chip s-not-observed">not observed</span> <span class="chip s-unconfigured">unconfigured</span></p>
    </footer>
  </xsl:template>

  <!-- edgeaudit diff: what changed since the baseline report, first of all. -->
  <xsl:template name="changes">
    <xsl:for-each select="changes">
      <section id="changes">
        <h2>Changes since baseline</h2>
        <p>Against <code><xsl:value-of select="@baseline"/></code><xsl:if test="@baseline-created"> (created
          <xsl:call-template name="time"><xsl:with-param name="t" select="@baseline-created"/></xsl:call-template>)</xsl:if>:
          <b><xsl:value-of select="@new"/></b> new finding group<xsl:if test="@new != 1">s</xsl:if>
          (<xsl:value-of select="@new-findings"/> of unexpected or required-blocked flows),
          <b><xsl:value-of select="@persisting"/></b> persisting, <b><xsl:value-of select="@resolved"/></b> resolved;
          <b><xsl:value-of select="@rules-changed"/></b> rule status change<xsl:if test="@rules-changed != 1">s</xsl:if>,
          <xsl:value-of select="@rules-worse"/> worse.</p>
        <xsl:if test="../findings/group[@change = 'new'] or resolved">
          <div class="scroll">
          <table class="grid" id="change-groups">
            <thead><tr><th>Change</th><th>Verdict</th><th>Reason</th><th>Responder</th><th>Port</th><th>App</th><th class="num">Flows</th><th>Key</th></tr></thead>
            <tbody>
              <xsl:for-each select="../findings/group[@change = 'new'] | resolved">
                <tr class="v-{@verdict}">
                  <td><span class="chip {concat('c-', name())}"><xsl:choose><xsl:when test="self::resolved">resolved</xsl:when><xsl:otherwise>new</xsl:otherwise></xsl:choose></span></td>
                  <td><span class="chip v-{@verdict}"><xsl:value-of select="@verdict"/></span></td>
                  <td><xsl:value-of select="@reason-code"/></td>
                  <td class="nowrap"><xsl:value-of select="@responder"/></td>
                  <td><xsl:value-of select="@transport"/><xsl:text> </xsl:text><xsl:value-of select="@port"/><xsl:value-of select="@port-ranges"/></td>
                  <td><xsl:value-of select="@app"/></td>
                  <td class="num"><xsl:value-of select="@flows"/></td>
                  <td><code><xsl:value-of select="@key"/></code></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          </div>
        </xsl:if>
        <xsl:if test="rule-change">
          <table class="grid" id="change-rules">
            <thead><tr><th>Rule</th><th>Was</th><th>Now</th><th>Worse</th></tr></thead>
            <tbody>
              <xsl:for-each select="rule-change">
                <tr>
                  <td><a href="#rule-{@id}"><xsl:value-of select="@id"/></a></td>
                  <td><span class="chip s-{@from}"><xsl:value-of select="@from"/></span></td>
                  <td><span class="chip s-{@to}"><xsl:value-of select="@to"/></span></td>
                  <td><xsl:value-of select="@worse"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </xsl:if>
      </section>
    </xsl:for-each>
  </xsl:template>

  <!-- -\-accept FILE: the accept file's entries, what they matched, and the result without the accepted groups. -->
  <xsl:template name="acceptances">
    <xsl:for-each select="acceptances">
      <section id="acceptances">
        <h2>Accepted findings</h2>
        <p>Accept file <code><xsl:value-of select="@file"/></code>, judged at the end of the capture
          (<xsl:call-template name="time"><xsl:with-param name="t" select="@date"/></xsl:call-template>):
          <b><xsl:value-of select="@accepted-groups"/></b> group<xsl:if test="@accepted-groups != 1">s</xsl:if> accepted
          (<xsl:value-of select="@accepted-flows"/> flow<xsl:if test="@accepted-flows != 1">s</xsl:if>, not counted),
          <b><xsl:value-of select="@expired-groups"/></b> whose acceptance expired (counted again),
          <b><xsl:value-of select="@stale-entries"/></b> stale entr<xsl:choose><xsl:when test="@stale-entries = 1">y</xsl:when><xsl:otherwise>ies</xsl:otherwise></xsl:choose> (matched nothing).
          Result with the accepted groups left out: <span class="chip r-{@result}"><xsl:value-of select="translate(@result, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/></span></p>
        <xsl:if test="entry">
          <div class="scroll">
          <table class="grid" id="accept-entries">
            <thead><tr><th>Line</th><th>State</th><th>Matches</th><th class="num">Groups</th><th>Who</th><th>Until</th><th>Why</th></tr></thead>
            <tbody>
              <xsl:for-each select="entry">
                <tr>
                  <td class="num"><xsl:value-of select="@line"/></td>
                  <td><xsl:choose>
                    <xsl:when test="@stale = 'yes'"><span class="chip a-stale">stale</span></xsl:when>
                    <xsl:when test="@state = 'expired'"><span class="chip a-expired">expired</span></xsl:when>
                    <xsl:otherwise><span class="chip a-accepted">holds</span></xsl:otherwise></xsl:choose></td>
                  <td><xsl:choose>
                    <xsl:when test="@key"><xsl:variable name="k" select="@key"/><code><xsl:choose><xsl:when test="../../findings/group[@key = $k]"><a href="#group-{@key}"><xsl:value-of select="@key"/></a></xsl:when><xsl:otherwise><xsl:value-of select="@key"/></xsl:otherwise></xsl:choose></code></xsl:when>
                    <xsl:otherwise><xsl:value-of select="@responder"/> port <xsl:value-of select="@port"/>, <xsl:value-of select="@reason-code"/>, rule <xsl:choose><xsl:when test="@rule != ''"><xsl:value-of select="@rule"/></xsl:when><xsl:otherwise>(none)</xsl:otherwise></xsl:choose></xsl:otherwise></xsl:choose></td>
                  <td class="num"><xsl:value-of select="@groups"/></td>
                  <td><xsl:value-of select="@who"/></td>
                  <td class="nowrap"><xsl:value-of select="@expires"/></td>
                  <td><xsl:value-of select="@why"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          </div>
        </xsl:if>
      </section>
    </xsl:for-each>
  </xsl:template>

  <!-- The verdict banner: COMPLIANT or FINDINGS, with what makes the findings. -->
  <xsl:template name="banner">
    <xsl:variable name="s" select="summary"/>
    <xsl:variable name="unexp" select="$s/verdict[@name='unexpected']/@count"/>
    <xsl:variable name="notobs" select="count(rules/rule[@status='not-observed'])"/>
    <xsl:variable name="blk" select="count(rules/rule[@status='blocked'])"/>
    <xsl:choose>
      <xsl:when test="$s/@result = 'compliant'">
        <section class="banner ok" id="verdict">
          <div class="word">COMPLIANT</div>
          <div class="why">Every flow fits the port matrix and no required row is blocked.</div>
        </section>
      </xsl:when>
      <xsl:when test="acceptances/@result = 'compliant'">
        <section class="banner ok" id="verdict">
          <div class="word">COMPLIANT</div>
          <div class="why">Every finding is accepted (<xsl:value-of select="acceptances/@accepted-groups"/> group<xsl:if test="acceptances/@accepted-groups != 1">s</xsl:if>,
            <xsl:value-of select="acceptances/@accepted-flows"/> flow<xsl:if test="acceptances/@accepted-flows != 1">s</xsl:if>: see Accepted findings); no rule is blocked or not observed.</div>
        </section>
      </xsl:when>
      <xsl:otherwise>
        <section class="banner bad" id="verdict">
          <div class="word">FINDINGS</div>
          <ul class="why">
            <li><b><xsl:value-of select="$unexp"/></b> unexpected flow<xsl:if test="$unexp != 1">s</xsl:if> (no rule allows them)</li>
            <li><b><xsl:value-of select="$s/@blocked-required"/></b> blocked attempt<xsl:if test="$s/@blocked-required != 1">s</xsl:if> on ports the matrix requires
              (<xsl:value-of select="$blk"/> rule<xsl:if test="$blk != 1">s</xsl:if> blocked)</li>
            <li><b><xsl:value-of select="$notobs"/></b> configured rule<xsl:if test="$notobs != 1">s</xsl:if> not observed</li>
          </ul>
        </section>
      </xsl:otherwise>
    </xsl:choose>
    <p class="observed" id="observed">Observed <b><xsl:value-of select="$s/@observed"/></b> of <xsl:value-of select="$s/@rules"/> rule<xsl:if test="$s/@rules != 1">s</xsl:if><xsl:for-each select="rules/pack"><xsl:if test="position() = 1"> (</xsl:if><xsl:if test="position() > 1">; </xsl:if><xsl:value-of select="@name"/>: <xsl:value-of select="@observed"/> of <xsl:value-of select="@rules"/><xsl:if test="position() = last()">)</xsl:if></xsl:for-each>.</p>
    <xsl:if test="capture/@partial = 'true'">
      <p class="warn"><b>Partial input:</b> reading stopped at an error, so this report covers only what was read<xsl:if test="capture/error">: <xsl:value-of select="capture/error"/></xsl:if>.</p>
    </xsl:if>
    <xsl:if test="capture/@incomplete = 'true'">
      <p class="warn"><b>Incomplete capture:</b> 10% or more of the packets were lost
        (<xsl:value-of select="capture/loss/@dropped"/> dropped by the kernel, <xsl:value-of select="capture/loss/@if-dropped"/> by the interface,
        of <xsl:value-of select="capture/loss/@received"/> received), so flows may be missing or misjudged.</p>
    </xsl:if>
    <xsl:if test="capture/@window-seconds">
      <p class="warn"><b>Window report:</b> groups, verdicts and rule statuses cover only the flows of the current window of
        <xsl:value-of select="capture/@window-seconds"/> seconds (finished in it, or still open and seen in the last
        <xsl:value-of select="capture/@window-seconds"/> seconds); the capture counters cover the whole run.</p>
    </xsl:if>
  </xsl:template>

  <!-- Counts per verdict and per rule status. -->
  <xsl:template name="counts">
    <section id="counts" class="cards">
      <div class="card">
        <h2>Flows by verdict</h2>
        <table class="kv">
          <xsl:for-each select="summary/verdict">
            <tr class="v-{@name}">
              <th><span class="dot"/><xsl:value-of select="@name"/></th>
              <td class="num"><xsl:value-of select="@count"/></td>
            </tr>
          </xsl:for-each>
          <tr class="total"><th>all flows</th><td class="num"><xsl:value-of select="capture/counters/@flows"/></td></tr>
        </table>
      </div>
      <div class="card">
        <h2>Rules by status</h2>
        <table class="kv">
          <xsl:for-each select="summary/status">
            <tr class="s-{@name}">
              <th><span class="dot"/><xsl:value-of select="@name"/></th>
              <td class="num"><xsl:value-of select="@count"/></td>
            </tr>
          </xsl:for-each>
          <tr class="total"><th>all rules</th><td class="num"><xsl:value-of select="count(rules/rule)"/></td></tr>
          <tr><th>observed</th><td class="num">observed <xsl:value-of select="summary/@observed"/> of <xsl:value-of select="summary/@rules"/> rules</td></tr>
        </table>
      </div>
      <div class="card">
        <h2>Capture</h2>
        <table class="kv">
          <tr><th>first packet</th><td><xsl:choose>
            <xsl:when test="capture/@first"><xsl:call-template name="time"><xsl:with-param name="t" select="capture/@first"/></xsl:call-template></xsl:when>
            <xsl:otherwise>no packets</xsl:otherwise></xsl:choose></td></tr>
          <tr><th>last packet</th><td><xsl:if test="capture/@last"><xsl:call-template name="time"><xsl:with-param name="t" select="capture/@last"/></xsl:call-template></xsl:if></td></tr>
          <tr><th>duration</th><td><xsl:if test="capture/@first"><xsl:call-template name="duration"><xsl:with-param name="s" select="$span"/></xsl:call-template></xsl:if></td></tr>
          <tr><th>packets</th><td class="num"><xsl:value-of select="capture/@packets"/></td></tr>
          <tr><th>bytes</th><td class="num"><xsl:call-template name="bytes"><xsl:with-param name="n" select="capture/@bytes"/></xsl:call-template></td></tr>
          <tr><th>partial</th><td><xsl:choose>
            <xsl:when test="capture/@partial = 'true'"><span class="chip s-blocked">yes</span></xsl:when>
            <xsl:otherwise>no</xsl:otherwise></xsl:choose></td></tr>
          <tr><th>incomplete</th><td><xsl:choose>
            <xsl:when test="capture/@incomplete = 'true'"><span class="chip s-blocked">yes</span></xsl:when>
            <xsl:otherwise>no</xsl:otherwise></xsl:choose></td></tr>
          <tr><th>loss</th><td><xsl:choose>
            <xsl:when test="capture/loss">
              <xsl:value-of select="capture/loss/@dropped"/> dropped, <xsl:value-of select="capture/loss/@if-dropped"/> by the interface,
              of <xsl:value-of select="capture/loss/@received"/> received
            </xsl:when>
            <xsl:otherwise>not measured (offline capture)</xsl:otherwise></xsl:choose></td></tr>
        </table>
      </div>
    </section>
  </xsl:template>

  <!-- Sources, link types, the error line and every counter. -->
  <xsl:template name="capture">
    <section id="capture">
      <h2>Capture sources</h2>
      <ul class="sources">
        <xsl:for-each select="capture/source">
          <li><code><xsl:value-of select="@name"/></code></li>
        </xsl:for-each>
        <xsl:if test="not(capture/source)"><li>none recorded</li></xsl:if>
      </ul>
      <p class="small">
        <xsl:text>Link types: </xsl:text>
        <xsl:for-each select="capture/link-type">
          <xsl:if test="position() > 1">, </xsl:if>
          <xsl:value-of select="@name"/> (<xsl:value-of select="@dlt"/>)
        </xsl:for-each>
        <xsl:if test="not(capture/link-type)">none</xsl:if>
      </p>
      <xsl:if test="capture/error and not(capture/@partial = 'true')">
        <p class="warn"><b>Input error:</b><xsl:text> </xsl:text><xsl:value-of select="capture/error"/></p>
      </xsl:if>
      <details class="counters">
        <summary>Counters (<xsl:value-of select="capture/counters/@flows"/> flows, <xsl:value-of select="sum(capture/malformed/@count)"/> malformed packets)</summary>
        <table class="kv wide">
          <xsl:for-each select="capture/counters/@*">
            <tr><th><xsl:value-of select="name()"/></th><td class="num"><xsl:value-of select="."/></td></tr>
          </xsl:for-each>
          <xsl:for-each select="capture/malformed">
            <tr><th>malformed: <xsl:value-of select="@kind"/></th><td class="num"><xsl:value-of select="@count"/></td></tr>
          </xsl:for-each>
        </table>
      </details>
    </section>
  </xsl:template>

  <!-- The matrix as the pages have it: one part per pack (page), its tables in the page's
       order (Muenchian grouping by pack and table), then the rules it takes from prose. -->
  <xsl:template name="matrix">
    <section id="matrix">
      <h2>Port matrix</h2>
      <xsl:for-each select="rules/pack">
        <xsl:variable name="p" select="@name"/>
        <div class="pack" id="pack-{@name}">
          <h3 class="page">
            <xsl:choose>
              <xsl:when test="@title and @href"><a href="{@href}"><xsl:value-of select="@title"/></a></xsl:when>
              <xsl:when test="@title"><xsl:value-of select="@title"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="@name"/></xsl:otherwise>
            </xsl:choose>
          </h3>
          <p class="small">Pack <code><xsl:value-of select="@name"/></code>: observed <b><xsl:value-of select="@observed"/></b>
            of <xsl:value-of select="@rules"/> rule<xsl:if test="@rules != 1">s</xsl:if></p>
          <xsl:for-each select="../rule[@pack = $p and @row]
                                [generate-id() = generate-id(key('rule-by-pack-table', concat($p, '&#10;', @table))[1])]">
            <xsl:call-template name="matrix-table">
              <xsl:with-param name="title" select="@table"/>
              <xsl:with-param name="rows" select="key('rule-by-pack-table', concat($p, '&#10;', @table))[@row]"/>
            </xsl:call-template>
          </xsl:for-each>
          <xsl:call-template name="matrix-table">
            <xsl:with-param name="title" select="''"/>
            <xsl:with-param name="rows" select="../rule[@pack = $p and not(@row)]"/>
          </xsl:call-template>
        </div>
      </xsl:for-each>
    </section>
  </xsl:template>

  <xsl:template name="matrix-table">
    <xsl:param name="title"/>
    <xsl:param name="rows"/>
    <xsl:if test="$rows">
      <h4>
        <xsl:choose>
          <xsl:when test="$title = ''">Rules stated in prose (no table)</xsl:when>
          <xsl:otherwise><xsl:value-of select="$title"/></xsl:otherwise>
        </xsl:choose>
      </h4>
      <div class="scroll">
      <table class="grid matrix">
        <colgroup>
          <col style="width:22%"/><col style="width:10%"/><col style="width:9%"/><col style="width:11%"/><col style="width:17%"/>
          <col style="width:6%"/><col style="width:6%"/><col style="width:7%"/><col style="width:5%"/><col style="width:7%"/>
        </colgroup>
        <thead>
          <tr>
            <th>Rule</th><th>Status</th><th>Protocol</th><th>Port</th><th>Initiator → responder</th>
            <th class="num">Flows</th><th class="num">Blocked</th><th class="num">Violations</th><th>Bytes</th><th>Evidence</th>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="$rows">
            <tr class="s-{@status}" id="rule-{@id}">
              <td>
                <code class="id"><xsl:value-of select="@id"/></code>
                <xsl:if test="@row"><div class="small">row <q><xsl:value-of select="@row"/></q></div></xsl:if>
                <xsl:if test="note"><div class="note"><xsl:value-of select="note"/></div></xsl:if>
                <xsl:if test="narrowed">
                  <div class="note narrowed">Narrowed from the seed's “<xsl:value-of select="seed-wording"/>”: <xsl:value-of select="narrowed"/></div>
                </xsl:if>
                <xsl:if test="corrected">
                  <div class="note narrowed">Corrected from the page's “<xsl:value-of select="corrected-wording"/>”: <xsl:value-of select="corrected"/></div>
                </xsl:if>
              </td>
              <td><span class="chip s-{@status}"><xsl:value-of select="translate(@status, '-', ' ')"/></span></td>
              <td><xsl:value-of select="translate(@protocol, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
                <xsl:choose>
                  <xsl:when test="@security = 'mtls'"> over MTLS</xsl:when>
                  <xsl:when test="@security = 'tls'"> over TLS</xsl:when>
                </xsl:choose></td>
              <td class="nowrap"><xsl:value-of select="translate(@transport, 'tcpud', 'TCPUD')"/>/<xsl:value-of select="@ports"/></td>
              <td><xsl:value-of select="@source"/> → <xsl:value-of select="@destination"/></td>
              <td class="num"><xsl:value-of select="@flows"/>
                <xsl:if test="@unverified > 0"><div class="small"><xsl:value-of select="@unverified"/> unverified</div></xsl:if></td>
              <td class="num"><xsl:value-of select="@blocked"/></td>
              <td class="num"><xsl:value-of select="@violations"/></td>
              <td class="num nowrap"><xsl:call-template name="bytes"><xsl:with-param name="n" select="@bytes"/></xsl:call-template></td>
              <td class="nowrap">
                <xsl:choose>
                  <xsl:when test="evidence/@listed > 0">
                    <a href="#flows-{@id}"><xsl:value-of select="evidence/@total"/> flow<xsl:if test="evidence/@total != 1">s</xsl:if> ↓</a>
                  </xsl:when>
                  <xsl:otherwise><span class="muted">none</span></xsl:otherwise>
                </xsl:choose>
              </td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- Findings by group (report v2): unexpected, blocked and unverified flows that share a
       verdict, reason, rules, transport, responder, port and app; a scan folds the no-rule flows
       of one initiator on many ports of one responder. Each with its examples. -->
  <xsl:template name="findings">
    <xsl:variable name="f" select="findings"/>
    <section id="findings">
      <h2>Findings by group (<xsl:value-of select="$f/@groups"/> group<xsl:if test="$f/@groups != 1">s</xsl:if>,
        <xsl:value-of select="$f/@flows"/> flow<xsl:if test="$f/@flows != 1">s</xsl:if><xsl:if test="$f/@scans > 0">,
        <xsl:value-of select="$f/@scans"/> scan<xsl:if test="$f/@scans != 1">s</xsl:if></xsl:if>)</h2>
      <xsl:choose>
        <xsl:when test="not($f/group)"><p class="muted">No unexpected, blocked or unverified flow.</p></xsl:when>
        <xsl:otherwise>
          <p class="small">Unexpected first, then blocked, then unverified; within each, the largest groups first.
            Each group gives up to <xsl:value-of select="summary/@examples"/> example flows (the smallest ids) and a
            Wireshark filter for the whole group<xsl:if test="capture/counters/@groups-dropped > 0">;
            <b><xsl:value-of select="capture/counters/@groups-dropped"/></b> finding flows found no group (too many groups)
            and are only counted</xsl:if>.</p>
          <xsl:for-each select="$f/group"><xsl:call-template name="group"/></xsl:for-each>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="group">
    <div class="group v-{@verdict}" id="group-{@key}">
      <h3><span class="chip v-{@verdict}"><xsl:value-of select="@verdict"/></span>
        <xsl:text> </xsl:text>
        <xsl:choose>
          <xsl:when test="@scan = 'yes'">Scan: <xsl:value-of select="@initiator"/> → <xsl:value-of select="@responder"/>
            <xsl:text> </xsl:text><xsl:value-of select="@transport"/>, <xsl:value-of select="@ports"/> ports</xsl:when>
          <xsl:otherwise><xsl:call-template name="endpoint"><xsl:with-param name="a" select="@responder"/><xsl:with-param name="p" select="@port"/></xsl:call-template>
            <xsl:text> </xsl:text><xsl:value-of select="@transport"/><xsl:if test="@app != ''"><xsl:text> </xsl:text><xsl:value-of select="@app"/></xsl:if></xsl:otherwise>
        </xsl:choose>
        <span class="small"><xsl:text> </xsl:text><xsl:value-of select="@flows"/> flow<xsl:if test="@flows != 1">s</xsl:if>,
          <xsl:value-of select="@initiators"/><xsl:if test="@initiators-capped = 'yes'"> or more</xsl:if> initiator<xsl:if test="@initiators != 1">s</xsl:if></span>
        <xsl:if test="@accept"><xsl:text> </xsl:text><span class="chip a-{@accept}"><xsl:value-of select="@accept"/></span></xsl:if></h3>
      <table class="kv">
        <xsl:if test="@accept"><tr class="accept"><th><xsl:choose><xsl:when test="@accept = 'accepted'">accepted</xsl:when><xsl:otherwise>acceptance expired</xsl:otherwise></xsl:choose></th>
          <td><xsl:value-of select="@accept-why"/> (<xsl:value-of select="@accept-who"/>, until <xsl:value-of select="@accept-expires"/>,
            accept file line <xsl:value-of select="@accept-line"/>)<xsl:if test="@accept = 'expired'">: counted again</xsl:if></td></tr></xsl:if>
        <tr><th>reason</th><td><xsl:value-of select="reason"/> <span class="code"> (<xsl:value-of select="@reason-code"/>)</span></td></tr>
        <xsl:if test="@rules != ''"><tr><th>rules</th><td><xsl:call-template name="rule-ids"><xsl:with-param name="list" select="normalize-space(@rules)"/></xsl:call-template></td></tr></xsl:if>
        <xsl:if test="@scan = 'yes'"><tr><th>ports</th><td class="ports"><xsl:value-of select="@port-ranges"/></td></tr></xsl:if>
        <tr><th>initiators</th><td><xsl:for-each select="initiator"><xsl:if test="position() > 1">, </xsl:if><xsl:value-of select="@address"/></xsl:for-each>
          <xsl:if test="@initiators > count(initiator)"> and <xsl:if test="@initiators-capped = 'yes'">at least </xsl:if><xsl:value-of select="@initiators - count(initiator)"/> more</xsl:if></td></tr>
        <tr><th>packets, bytes</th><td><xsl:value-of select="@packets"/>, <xsl:call-template name="bytes"><xsl:with-param name="n" select="@bytes"/></xsl:call-template></td></tr>
        <tr><th>first – last</th><td><xsl:call-template name="time"><xsl:with-param name="t" select="@first"/></xsl:call-template> –
          <xsl:call-template name="time"><xsl:with-param name="t" select="@last"/></xsl:call-template>
          (frames <xsl:value-of select="@first-frame"/>–<xsl:value-of select="@last-frame"/>)</td></tr>
        <tr><th>filter</th><td><code class="filter"><xsl:value-of select="@filter"/></code></td></tr>
      </table>
      <xsl:if test="example">
        <div class="scroll">
        <table class="grid flows compact">
          <thead><tr><th class="num">Flow</th><th>Client</th><th>Frames</th><th>Reason</th><th>Wireshark filter</th></tr></thead>
          <tbody>
            <xsl:for-each select="example">
              <tr>
                <td class="num"><a href="#flow-{@flow}"><xsl:value-of select="@flow"/></a></td>
                <td class="nowrap"><xsl:call-template name="endpoint"><xsl:with-param name="a" select="@client"/><xsl:with-param name="p" select="@client-port"/></xsl:call-template></td>
                <td class="nowrap"><xsl:value-of select="@first-frame"/><xsl:if test="@last-frame != @first-frame">–<xsl:value-of select="@last-frame"/></xsl:if></td>
                <td><xsl:value-of select="."/></td>
                <td><code class="filter"><xsl:value-of select="@filter"/></code></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
        </div>
        <xsl:if test="@flows > count(example)"><p class="small muted"><xsl:value-of select="@flows - count(example)"/> more flow<xsl:if test="@flows - count(example) != 1">s</xsl:if> in this group: use the group's filter.</p></xsl:if>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- A Wireshark display filter isolating the flow (both directions). -->
  <xsl:template name="ws-filter">
    <xsl:variable name="ip">
      <xsl:choose>
        <xsl:when test="contains(@client, ':')">ipv6.addr</xsl:when>
        <xsl:otherwise>ip.addr</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="concat($ip, '==', @client, ' &amp;&amp; ', $ip, '==', @server)"/>
    <xsl:if test="@transport = 'tcp' or @transport = 'udp'">
      <xsl:value-of select="concat(' &amp;&amp; ', @transport, '.port==', @client-port, ' &amp;&amp; ', @transport, '.port==', @server-port)"/>
    </xsl:if>
    <xsl:if test="@transport = 'icmp'"> &amp;&amp; icmp</xsl:if>
    <xsl:if test="@transport = 'icmp6'"> &amp;&amp; icmpv6</xsl:if>
    <xsl:if test="@vlan != 0">
      <xsl:value-of select="concat(' &amp;&amp; vlan.id==', @vlan)"/>
    </xsl:if>
  </xsl:template>

  <xsl:template name="endpoints">
    <xsl:call-template name="endpoint"><xsl:with-param name="a" select="@client"/><xsl:with-param name="p" select="@client-port"/></xsl:call-template>
    <xsl:text> → </xsl:text>
    <xsl:call-template name="endpoint"><xsl:with-param name="a" select="@server"/><xsl:with-param name="p" select="@server-port"/></xsl:call-template>
    <xsl:text> </xsl:text>
    <span class="muted"><xsl:value-of select="@transport"/><xsl:if test="@vlan != 0"> vlan <xsl:value-of select="@vlan"/></xsl:if>
      <xsl:if test="@nat"> · via the <xsl:value-of select="@nat"/> (NAT) address</xsl:if></span>
  </xsl:template>

  <xsl:template name="endpoint">
    <xsl:param name="a"/><xsl:param name="p"/>
    <xsl:choose>
      <xsl:when test="contains($a, ':')">[<xsl:value-of select="$a"/>]:<xsl:value-of select="$p"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$a"/>:<xsl:value-of select="$p"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Inline SVG: one lane per rule, a bar per evidence flow over the capture window. -->
  <xsl:template name="timeline">
    <xsl:variable name="lanes" select="count(rules/rule) + 1"/>
    <xsl:variable name="lane-h" select="22"/>
    <xsl:variable name="left" select="170"/>
    <xsl:variable name="w" select="800"/>
    <xsl:variable name="h" select="$lanes * $lane-h + 34"/>
    <section id="timeline">
      <h2>Timeline</h2>
      <xsl:choose>
        <xsl:when test="not($cap/@first)"><p class="muted">No packets, no timeline.</p></xsl:when>
        <xsl:otherwise>
          <p class="small">Evidence flows of each rule from their first to their last packet, across the capture window
            (<xsl:call-template name="time"><xsl:with-param name="t" select="$cap/@first"/></xsl:call-template> to
            <xsl:call-template name="time"><xsl:with-param name="t" select="$cap/@last"/></xsl:call-template>);
            the last lane holds the unexpected flows. Hover a bar for its flow.</p>
          <div class="scroll">
          <svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 {$left + $w + 10} {$h}" width="{$left + $w + 10}" height="{$h}">
            <title>Flows per rule over the capture window</title>
            <!-- Grid and axis labels: offsets from the first packet. -->
            <xsl:call-template name="ticks">
              <xsl:with-param name="i" select="0"/><xsl:with-param name="left" select="$left"/>
              <xsl:with-param name="w" select="$w"/><xsl:with-param name="h" select="$lanes * $lane-h"/>
            </xsl:call-template>
            <xsl:for-each select="rules/rule">
              <xsl:variable name="y" select="(position() - 1) * $lane-h"/>
              <g class="lane s-{@status}">
                <rect class="lane-bg" x="0" y="{$y}" width="{$left + $w}" height="{$lane-h}"/>
                <text x="6" y="{$y + 15}"><xsl:value-of select="@id"/></text>
                <xsl:call-template name="marks">
                  <xsl:with-param name="list" select="normalize-space(evidence/@flows)"/>
                  <xsl:with-param name="y" select="$y"/><xsl:with-param name="left" select="$left"/><xsl:with-param name="w" select="$w"/>
                </xsl:call-template>
              </g>
            </xsl:for-each>
            <xsl:variable name="uy" select="count(rules/rule) * $lane-h"/>
            <g class="lane v-unexpected">
              <rect class="lane-bg" x="0" y="{$uy}" width="{$left + $w}" height="{$lane-h}"/>
              <text x="6" y="{$uy + 15}" font-style="italic">unexpected flows</text>
              <xsl:for-each select="flows/flow[@verdict = 'unexpected']">
                <xsl:call-template name="mark"><xsl:with-param name="y" select="$uy"/><xsl:with-param name="left" select="$left"/><xsl:with-param name="w" select="$w"/></xsl:call-template>
              </xsl:for-each>
            </g>
          </svg>
          </div>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- Five vertical grid lines with their offset from the start. -->
  <xsl:template name="ticks">
    <xsl:param name="i"/><xsl:param name="left"/><xsl:param name="w"/><xsl:param name="h"/>
    <xsl:if test="$i &lt;= 4">
      <xsl:variable name="x" select="$left + $w * $i div 4"/>
      <line class="tick" x1="{$x}" y1="0" x2="{$x}" y2="{$h + 4}"/>
      <text class="axis" x="{$x}" y="{$h + 20}">
        <xsl:attribute name="text-anchor">
          <xsl:choose><xsl:when test="$i = 0">start</xsl:when><xsl:when test="$i = 4">end</xsl:when><xsl:otherwise>middle</xsl:otherwise></xsl:choose>
        </xsl:attribute>
        <xsl:text>+</xsl:text>
        <xsl:call-template name="duration"><xsl:with-param name="s" select="$span * $i div 4"/></xsl:call-template>
      </text>
      <xsl:call-template name="ticks">
        <xsl:with-param name="i" select="$i + 1"/><xsl:with-param name="left" select="$left"/>
        <xsl:with-param name="w" select="$w"/><xsl:with-param name="h" select="$h"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Walks a space-separated list of flow ids, one mark each. -->
  <xsl:template name="marks">
    <xsl:param name="list"/><xsl:param name="y"/><xsl:param name="left"/><xsl:param name="w"/>
    <xsl:if test="$list != ''">
      <xsl:variable name="id" select="substring-before(concat($list, ' '), ' ')"/>
      <xsl:for-each select="key('flow-by-id', $id)">
        <xsl:call-template name="mark"><xsl:with-param name="y" select="$y"/><xsl:with-param name="left" select="$left"/><xsl:with-param name="w" select="$w"/></xsl:call-template>
      </xsl:for-each>
      <xsl:call-template name="marks">
        <xsl:with-param name="list" select="substring-after($list, ' ')"/>
        <xsl:with-param name="y" select="$y"/><xsl:with-param name="left" select="$left"/><xsl:with-param name="w" select="$w"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- One bar for the context flow, linked to its row. -->
  <xsl:template name="mark">
    <xsl:param name="y"/><xsl:param name="left"/><xsl:param name="w"/>
    <xsl:variable name="a"><xsl:call-template name="secs"><xsl:with-param name="t" select="@first"/></xsl:call-template></xsl:variable>
    <xsl:variable name="b"><xsl:call-template name="secs"><xsl:with-param name="t" select="@last"/></xsl:call-template></xsl:variable>
    <xsl:variable name="x1">
      <xsl:choose>
        <xsl:when test="$span > 0"><xsl:value-of select="$left + $w * (number($a) - number($cap-first)) div $span"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$left"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="x2">
      <xsl:choose>
        <xsl:when test="$span > 0"><xsl:value-of select="$left + $w * (number($b) - number($cap-first)) div $span"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$left"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <!-- At least 3 units wide, kept inside the window. -->
    <xsl:variable name="bw">
      <xsl:choose><xsl:when test="$x2 - $x1 &lt; 3">3</xsl:when><xsl:otherwise><xsl:value-of select="$x2 - $x1"/></xsl:otherwise></xsl:choose>
    </xsl:variable>
    <xsl:variable name="bx">
      <xsl:choose><xsl:when test="$x1 + $bw > $left + $w"><xsl:value-of select="$left + $w - $bw"/></xsl:when><xsl:otherwise><xsl:value-of select="$x1"/></xsl:otherwise></xsl:choose>
    </xsl:variable>
    <a href="#flow-{@id}">
      <rect class="mark v-{@verdict}" x="{format-number($bx, '0.##')}" y="{$y + 4}" width="{format-number($bw, '0.##')}" height="14" rx="2">
        <title>flow <xsl:value-of select="@id"/> (<xsl:value-of select="@verdict"/>): <xsl:call-template name="time"><xsl:with-param name="t" select="@first"/></xsl:call-template> to <xsl:call-template name="time"><xsl:with-param name="t" select="@last"/></xsl:call-template></title>
      </rect>
    </a>
  </xsl:template>

  <!-- One section per rule listing its evidence flows: the target of the matrix's links. -->
  <xsl:template name="rule-flows">
    <section id="rule-flows">
      <h2>Flows per rule</h2>
      <xsl:if test="not(rules/rule[evidence/@listed > 0])"><p class="muted">No rule has evidence flows.</p></xsl:if>
      <xsl:for-each select="rules/rule[evidence/@listed > 0]">
        <div class="rule-flows s-{@status}" id="flows-{@id}">
          <h3><code class="id"><xsl:value-of select="@id"/></code>
            <xsl:text> </xsl:text><span class="chip s-{@status}"><xsl:value-of select="translate(@status, '-', ' ')"/></span>
            <span class="small"><xsl:text> </xsl:text>
              <xsl:value-of select="evidence/@total"/> flow<xsl:if test="evidence/@total != 1">s</xsl:if>
              <xsl:if test="evidence/@listed != evidence/@total">, the <xsl:value-of select="evidence/@listed"/> with the smallest ids listed</xsl:if>
              · <a href="#rule-{@id}">back to the matrix ↑</a></span></h3>
          <div class="scroll">
          <table class="grid flows compact">
            <thead><tr><th class="num">Flow</th><th>Verdict</th><th>Client → server</th><th>App</th><th>Reason</th><th>Frames</th><th>Time</th></tr></thead>
            <tbody>
              <xsl:call-template name="evidence-rows"><xsl:with-param name="list" select="normalize-space(evidence/@flows)"/></xsl:call-template>
            </tbody>
          </table>
          </div>
        </div>
      </xsl:for-each>
    </section>
  </xsl:template>

  <xsl:template name="evidence-rows">
    <xsl:param name="list"/>
    <xsl:if test="$list != ''">
      <xsl:for-each select="key('flow-by-id', substring-before(concat($list, ' '), ' '))">
        <tr class="v-{@verdict}">
          <td class="num"><a href="#flow-{@id}"><xsl:value-of select="@id"/></a></td>
          <td><span class="chip v-{@verdict}"><xsl:value-of select="@verdict"/></span></td>
          <td class="nowrap"><xsl:call-template name="endpoints"/></td>
          <td><xsl:value-of select="@app"/><xsl:if test="@mtls"> <span class="muted"> mtls=<xsl:value-of select="@mtls"/><xsl:if test="@mtls-evidence != 'unverifiable'"> (<xsl:value-of select="@mtls-evidence"/>)</xsl:if></span></xsl:if></td>
          <td><xsl:value-of select="@reason"/></td>
          <td class="nowrap"><xsl:value-of select="@first-frame"/>–<xsl:value-of select="@last-frame"/></td>
          <td class="nowrap"><xsl:call-template name="time"><xsl:with-param name="t" select="@first"/></xsl:call-template></td>
        </tr>
      </xsl:for-each>
      <xsl:call-template name="evidence-rows"><xsl:with-param name="list" select="substring-after($list, ' ')"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Every flow, with what the dissectors saw. -->
  <xsl:template name="all-flows">
    <section id="flows">
      <xsl:variable name="n">
        <xsl:choose>
          <xsl:when test="$flow-rows = 'apart'"><xsl:value-of select="$flow-count"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="count(flows/flow)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:choose>
        <xsl:when test="flows/@listed = 'all'"><h2>All flows (<xsl:value-of select="$n"/>)</h2></xsl:when>
        <xsl:otherwise><h2>Flows listed (<xsl:value-of select="$n"/> of <xsl:value-of select="flows/@total"/>)</h2>
          <p class="small">The example flows of the groups and the rules' evidence; the other flows are counted above.
            <code>--list-flows all</code> lists every flow.</p></xsl:otherwise>
      </xsl:choose>
      <div class="scroll">
      <table class="grid flows compact">
        <thead>
          <tr><th class="num">Flow</th><th>Verdict</th><th>Client → server</th><th>App</th><th>Rules</th><th>Details</th>
            <th class="num">Packets</th><th class="num">Bytes</th><th>Frames</th><th>First – last</th></tr>
        </thead>
        <tbody>
          <xsl:choose>
            <xsl:when test="$flow-rows = 'apart'"><xsl:comment>edgeaudit-flow-rows</xsl:comment></xsl:when>
            <xsl:otherwise><xsl:for-each select="flows/flow"><xsl:call-template name="flow-row"/></xsl:for-each></xsl:otherwise>
          </xsl:choose>
        </tbody>
      </table>
      </div>
    </section>
  </xsl:template>

  <!-- One row of the flow table: the context flow, with what the dissectors saw. -->
  <xsl:template name="flow-row">
    <tr class="v-{@verdict}" id="flow-{@id}">
      <td class="num"><xsl:value-of select="@id"/></td>
      <td class="nowrap"><span class="chip v-{@verdict}"><xsl:value-of select="@verdict"/></span>
        <div class="small"><xsl:value-of select="@reason-code"/></div></td>
      <td class="nowrap"><xsl:call-template name="endpoints"/>
        <xsl:if test="@tcp-open"><div class="small">tcp <xsl:value-of select="@tcp-open"/>, <xsl:value-of select="@tcp-close"/>
          <xsl:if test="@syn-retransmissions">, <xsl:value-of select="@syn-retransmissions"/> SYN retransmission(s)</xsl:if></div></xsl:if>
        <xsl:if test="@initiator"><div class="small">initiator inferred</div></xsl:if></td>
      <td><xsl:value-of select="@app"/>
        <div class="small">by <xsl:value-of select="@app-source"/>; nDPI <xsl:value-of select="@ndpi"/><xsl:if test="@ndpi-service">; service <xsl:value-of select="@ndpi-service"/></xsl:if></div></td>
      <td><xsl:call-template name="rule-ids"><xsl:with-param name="list" select="normalize-space(@rules)"/></xsl:call-template></td>
      <td class="details">
        <xsl:if test="@reason != ''"><div><xsl:value-of select="@reason"/></div></xsl:if>
        <xsl:apply-templates select="tls|sip|xmpp|stun|rtp|banner"/>
        <xsl:if test="@icmp-errors"><div class="small">ICMP errors: <xsl:value-of select="@icmp-errors"/> (frame <xsl:value-of select="@icmp-frame"/>)</div></xsl:if>
      </td>
      <td class="num nowrap"><xsl:value-of select="@packets-c2s"/> / <xsl:value-of select="@packets-s2c"/></td>
      <td class="num nowrap"><xsl:value-of select="@bytes-c2s"/> / <xsl:value-of select="@bytes-s2c"/></td>
      <td class="nowrap"><xsl:value-of select="@first-frame"/>–<xsl:value-of select="@last-frame"/></td>
      <td class="nowrap small"><xsl:call-template name="time"><xsl:with-param name="t" select="@first"/></xsl:call-template>
        <br/><xsl:call-template name="time"><xsl:with-param name="t" select="@last"/></xsl:call-template></td>
    </tr>
  </xsl:template>

  <!-- Dissector facts: text only (they may carry hostile strings from packets). -->
  <xsl:template match="tls">
    <div class="small">TLS <xsl:value-of select="@version"/>, mtls <xsl:value-of select="../@mtls"/>
      <xsl:if test="../@mtls-evidence"> (<xsl:value-of select="../@mtls-evidence"/>: <xsl:value-of select="../@mtls-reason"/>)</xsl:if>,
      certificate request <xsl:value-of select="@certificate-request"/>, client certificate <xsl:value-of select="@client-certificate"/>
      <xsl:if test="../@sni">; SNI <q><xsl:value-of select="../@sni"/></q></xsl:if>
      <xsl:if test="@alpn">; ALPN <q><xsl:value-of select="@alpn"/></q></xsl:if>
      <xsl:if test="@start = 'sslv2-hello'">; SSLv2-compatible ClientHello</xsl:if>
      <xsl:if test="@start = 'midstream'">; joined mid-stream (records <xsl:value-of select="@record-version"/>), the handshake was not captured</xsl:if></div>
  </xsl:template>
  <xsl:template match="sip">
    <div class="small">SIP<xsl:if test="@method"><xsl:text> </xsl:text><q><xsl:value-of select="@method"/></q></xsl:if>
      <xsl:if test="@status"> status <xsl:value-of select="@status"/></xsl:if>
      <xsl:if test="@via-transport">, Via <q><xsl:value-of select="@via-transport"/></q></xsl:if>
      <xsl:if test="@from-domain">, From <q><xsl:value-of select="@from-domain"/></q></xsl:if>
      <xsl:if test="@to-domain">, To <q><xsl:value-of select="@to-domain"/></q></xsl:if></div>
  </xsl:template>
  <xsl:template match="xmpp">
    <div class="small">XMPP <xsl:value-of select="@namespace"/>
      <xsl:if test="@to">, to <q><xsl:value-of select="@to"/></q></xsl:if>
      <xsl:if test="@from">, from <q><xsl:value-of select="@from"/></q></xsl:if>, STARTTLS <xsl:value-of select="@starttls"/>
      <xsl:if test="@midstream = 'yes'">; joined mid-stream</xsl:if>
      <xsl:if test="@evidence">; kind told by the <xsl:value-of select="@evidence"/></xsl:if></div>
  </xsl:template>
  <xsl:template match="stun">
    <div class="small"><xsl:choose><xsl:when test="@msturn = 'yes'">MS-TURN</xsl:when><xsl:otherwise>STUN</xsl:otherwise></xsl:choose>
      <xsl:text> </xsl:text><xsl:value-of select="@method"/>, <xsl:value-of select="@requests"/> requests, <xsl:value-of select="@responses"/> responses
      <xsl:if test="@messages">, <xsl:value-of select="@messages"/> messages</xsl:if>
      <xsl:if test="@channel-data">, <xsl:value-of select="@channel-data"/> ChannelData</xsl:if></div>
  </xsl:template>
  <xsl:template match="rtp">
    <div class="small"><xsl:value-of select="translate(@kind, 'rtcp', 'RTCP')"/> SSRC <xsl:value-of select="@ssrc"/>
      <xsl:if test="@payload-type">, payload type <xsl:value-of select="@payload-type"/></xsl:if>
      <xsl:if test="@framing = 'rfc4571'">, RFC 4571 framing</xsl:if>
      <xsl:if test="@framing = 'turn-channel-data'">, inside TURN ChannelData</xsl:if></div>
  </xsl:template>
  <xsl:template match="banner">
    <div class="small">Banner <q><xsl:value-of select="."/></q></div>
  </xsl:template>

  <!-- Helpers. -->

  <!-- A flow's space-separated rule ids, each linked to its matrix row. -->
  <xsl:template name="rule-ids">
    <xsl:param name="list"/>
    <xsl:if test="$list != ''">
      <xsl:variable name="id" select="substring-before(concat($list, ' '), ' ')"/>
      <a href="#rule-{$id}"><code class="id"><xsl:value-of select="$id"/></code></a><xsl:text> </xsl:text>
      <xsl:call-template name="rule-ids"><xsl:with-param name="list" select="substring-after($list, ' ')"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- "2013-03-15T10:00:01.250000000Z" shown as "2013-03-15 10:00:01.250". -->
  <xsl:template name="time">
    <xsl:param name="t"/>
    <xsl:value-of select="concat(substring($t, 1, 10), ' ', substring($t, 12, 12))"/>
  </xsl:template>

  <!--
    Seconds since 1970 from "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (XSLT 1.0 has no
    date math): days from the civil date (Hinnant's days_from_civil) plus
    the time of day. Doubles keep sub-microsecond precision at today's
    epoch offsets, plenty for placing bars.
  -->
  <xsl:template name="secs">
    <xsl:param name="t"/>
    <xsl:variable name="days">
      <xsl:call-template name="days">
        <xsl:with-param name="y" select="number(substring($t, 1, 4))"/>
        <xsl:with-param name="m" select="number(substring($t, 6, 2))"/>
        <xsl:with-param name="d" select="number(substring($t, 9, 2))"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:value-of select="number($days) * 86400 + number(substring($t, 12, 2)) * 3600
                          + number(substring($t, 15, 2)) * 60 + number(substring($t, 18, 12))"/>
  </xsl:template>

  <xsl:template name="days">
    <xsl:param name="y"/><xsl:param name="m"/><xsl:param name="d"/>
    <xsl:variable name="yy" select="$y - number($m &lt;= 2)"/>
    <xsl:variable name="era" select="floor($yy div 400)"/>
    <xsl:variable name="yoe" select="$yy - $era * 400"/>
    <xsl:variable name="mp" select="($m + 9) mod 12"/>
    <xsl:variable name="doy" select="floor((153 * $mp + 2) div 5) + $d - 1"/>
    <xsl:variable name="doe" select="$yoe * 365 + floor($yoe div 4) - floor($yoe div 100) + $doy"/>
    <xsl:value-of select="$era * 146097 + $doe - 719468"/>
  </xsl:template>

  <!-- Seconds as "42.5 s", "5 min 30.5 s", "2 h 3 min". -->
  <xsl:template name="duration">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s &lt; 60"><xsl:value-of select="format-number($s, '0.###')"/> s</xsl:when>
      <xsl:when test="$s &lt; 3600"><xsl:value-of select="floor($s div 60)"/> min <xsl:value-of select="format-number($s mod 60, '0.#')"/> s</xsl:when>
      <xsl:otherwise><xsl:value-of select="floor($s div 3600)"/> h <xsl:value-of select="floor(($s mod 3600) div 60)"/> min</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="bytes">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n &lt; 1024"><xsl:value-of select="$n"/> B</xsl:when>
      <xsl:when test="$n &lt; 1048576"><xsl:value-of select="format-number($n div 1024, '0.#')"/> KiB</xsl:when>
      <xsl:when test="$n &lt; 1073741824"><xsl:value-of select="format-number($n div 1048576, '0.#')"/> MiB</xsl:when>
      <xsl:otherwise><xsl:value-of select="format-number($n div 1073741824, '0.##')"/> GiB</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="css">
:root { --ok: #1e7b34; --ok-bg: #e3f4e6; --bad: #b3261e; --bad-bg: #fbe4e2; --amber: #a15c00; --amber-bg: #fff1d6;
        --grey: #5f6368; --grey-bg: #eceff1; --ink: #1f2328; --line: #d0d7de; --link: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f8fa; }
header.top { background: #24292f; color: #fff; padding: 14px 28px; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 600; }
header.top .meta { margin: 2px 0 0; color: #c9d1d9; font-size: 12px; }
main { max-width: 1400px; margin: 0 auto; padding: 18px 28px 8px; }
footer { max-width: 1400px; margin: 0 auto; padding: 4px 28px 24px; color: var(--grey); font-size: 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 0 0 18px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .code, .filter { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.code { color: var(--grey); }
.small { font-size: 12px; color: #444c56; }
.muted { color: var(--grey); }
.nowrap { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.banner { display: flex; align-items: center; gap: 28px; padding: 18px 24px; border-width: 2px; }
.banner .word { font-size: 34px; font-weight: 800; letter-spacing: 0.06em; }
.banner.ok { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.banner.bad { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); }
.banner .why { margin: 0; padding-left: 18px; color: var(--ink); }
.warn { background: var(--amber-bg); border: 1px solid #e3b341; border-radius: 6px; padding: 8px 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 18px; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; }
table { border-collapse: collapse; }
table.kv { width: 100%; }
table.kv th { text-align: left; font-weight: normal; color: #444c56; padding: 3px 12px 3px 0; white-space: nowrap; }
table.kv td { padding: 3px 0; }
table.kv tr.total th, table.kv tr.total td { border-top: 1px solid var(--line); font-weight: 600; }
table.kv.wide { width: auto; min-width: 360px; }
.group { border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.group h3 { margin: 2px 0 6px; font-size: 15px; }
.group table.kv { width: auto; margin-bottom: 6px; }
.group td.ports { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; max-width: 900px; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 8px; background: var(--grey); vertical-align: baseline; }
table.grid { width: 100%; font-size: 13px; }
table.grid th { text-align: left; background: #f0f3f6; border-bottom: 2px solid var(--line); padding: 6px 8px; white-space: nowrap; }
table.grid td { border-bottom: 1px solid #e6e9ed; padding: 6px 8px; vertical-align: top; }
table.grid.compact td { padding: 4px 8px; }
table.matrix { table-layout: fixed; min-width: 1000px; }
table.matrix tr td:first-child { border-left: 5px solid var(--grey); }
.note { font-size: 12px; color: #444c56; margin-top: 2px; max-width: 46em; }
.narrowed { font-style: italic; }
code.id { font-weight: 600; white-space: nowrap; }
td code.id + code.id { margin-left: 6px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; background: var(--grey-bg); color: var(--grey); }
q { quotes: "“" "”"; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 11.5px; overflow-wrap: anywhere; }
td.details { min-width: 22em; max-width: 40em; }
.filter { background: #f3f4f6; border: 1px solid #e1e4e8; border-radius: 4px; padding: 1px 5px; display: inline-block; user-select: all; }
details.counters summary { cursor: pointer; color: var(--link); margin-top: 6px; }
ul.sources { margin: 0 0 6px; padding-left: 18px; }
.rule-flows { border-top: 1px solid var(--line); padding-top: 2px; }
.rule-flows:target, tr:target { outline: 3px solid #f2cc60; }

/* Status colours: observed green, blocked red, not observed amber, unconfigured grey. */
tr.s-observed { background: var(--ok-bg); }       tr.s-observed td:first-child { border-left-color: var(--ok); }
tr.s-blocked { background: var(--bad-bg); }       tr.s-blocked td:first-child { border-left-color: var(--bad); }
tr.s-not-observed { background: var(--amber-bg); } tr.s-not-observed td:first-child { border-left-color: #e39a00; }
tr.s-unconfigured { background: var(--grey-bg); color: #4b5157; }
.chip.s-observed { background: var(--ok); color: #fff; }
.chip.s-blocked { background: var(--bad); color: #fff; }
.chip.s-not-observed { background: #e39a00; color: #fff; }
.chip.s-unconfigured { background: #9aa0a6; color: #fff; }
.chip.a-accepted, .chip.r-compliant { background: var(--ok); color: #fff; }
.chip.a-expired, .chip.r-findings { background: var(--bad); color: #fff; }
.chip.a-stale { background: #9aa0a6; color: #fff; }
table.kv tr.s-observed, table.kv tr.s-blocked, table.kv tr.s-not-observed, table.kv tr.s-unconfigured { background: none; }
tr.s-observed .dot, tr.v-allowed .dot { background: var(--ok); }
tr.s-blocked .dot, tr.v-blocked .dot { background: var(--bad); }
tr.s-not-observed .dot { background: #e39a00; }
tr.v-unverified .dot { background: #d4a72c; }
tr.v-unexpected .dot { background: #8250df; }
tr.v-out-of-scope .dot, tr.s-unconfigured .dot { background: #9aa0a6; }

/* Verdict colours: allowed green, unverified yellow, unexpected purple, blocked red, out of scope grey. */
.chip.v-allowed { background: var(--ok); color: #fff; }
.chip.v-unverified { background: #d4a72c; color: #fff; }
.chip.v-unexpected { background: #8250df; color: #fff; }
.chip.v-blocked { background: var(--bad); color: #fff; }
.chip.v-out-of-scope, .chip.v-unjudged { background: #9aa0a6; color: #fff; }
table.flows tr.v-unexpected { background: #f3eefc; }
table.flows tr.v-blocked { background: #fdf0ef; }

/* Timeline. */
svg.timeline { display: block; width: 100%; height: auto; min-width: 700px; max-width: 1150px; font: 12px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
svg .lane-bg { fill: #fff; stroke: #eef0f2; }
svg .lane:nth-child(odd) .lane-bg { fill: #fafbfc; }
svg .lane text { fill: var(--ink); }
svg .lane.s-unconfigured text, svg .lane.s-not-observed text { fill: #8c959f; }
svg .tick { stroke: #d0d7de; stroke-dasharray: 3 3; }
svg text.axis { fill: var(--grey); font-size: 11px; }
svg .mark { fill: #9aa0a6; }
svg .mark.v-allowed { fill: #2da44e; }
svg .mark.v-unverified { fill: #d4a72c; }
svg .mark.v-unexpected { fill: #8250df; }
svg .mark.v-blocked { fill: #cf222e; }
svg a:hover .mark { stroke: #24292f; stroke-width: 1.5; }
@media print { body { background: #fff; } section, .card { break-inside: avoid; } }
  </xsl:template>
</xsl:stylesheet>
