<?php
// php-session-lab app (DESIGN: the PHP app contract).
// GET /            starts the session, increments visit_count, remembers the first `user`
//                  it was given, answers JSON.
// GET /?set=V      also stores V as variableString.
// Everything echoed is JSON-encoded with HTML-safe flags (escaped output).
declare(strict_types=1);

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

/** A shopping cart (~5 KB) or a large nested structure (~100 KB). */
function session_payload(string $kind): array
{
    $items = [];
    $count = $kind === 'large' ? 250 : 50;
    for ($i = 0; $i < $count; $i++) {
        $item = ['sku' => sprintf('SKU-%06d', $i), 'qty' => $i % 5 + 1, 'price' => round(9.99 + $i * 0.5, 2), 'title' => "Item number $i"];
        if ($kind === 'large') {
            $item['options'] = ['color' => 'blue', 'size' => 'L', 'notes' => str_repeat('x', 100), 'history' => range(1, 10)];
        }
        $items[] = $item;
    }
    return ['items' => $items, 'currency' => 'EUR', 'updated' => 0];
}

$node = getenv('NODE_NAME') ?: ($_SERVER['NODE_NAME'] ?? 'unknown');
$readOnly = isset($_GET['read']);
// ?read=1 reads the session without writing it (used to check a count after a burst).
$started = @session_start($readOnly ? ['read_and_close' => true] : []);
// Like a typical app, carry on even when session_start() failed (Redis down): the answer is
// a 200 with an empty session — the failure that looks like success, which the checker sees.
if (!isset($_SESSION) || !is_array($_SESSION)) {
    $_SESSION = [];
}

// ?work=MS: the request works for MS milliseconds while its session is open (and, with
// locking, locked) — like an app querying a database between session_start() and the end.
if (isset($_GET['work']) && !$readOnly) {
    usleep(max(0, min((int)$_GET['work'], 1000)) * 1000);
}

if (!$readOnly) {
    $_SESSION['visit_count'] = (int)($_SESSION['visit_count'] ?? 0) + 1;
    if (isset($_GET['user']) && is_string($_GET['user']) && !isset($_SESSION['user'])) {
        $_SESSION['user'] = substr($_GET['user'], 0, 128);
    }
    // SESSION_PAYLOAD (pool env): extra data every session carries, read and written with it.
    $payload = getenv('SESSION_PAYLOAD') ?: 'none';
    if ($payload !== 'none' && !isset($_SESSION['payload'])) {
        $_SESSION['payload'] = session_payload($payload);
    }
    if (isset($_GET['set']) && is_string($_GET['set'])) {
        $_SESSION['variableString'] = substr($_GET['set'], 0, 4096);
    }
}

$flags = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE;
echo json_encode([
    'node' => $node,
    'sid' => session_id(),
    'session_started' => $started,
    'visit_count' => (int)($_SESSION['visit_count'] ?? 0),
    'user' => $_SESSION['user'] ?? null,
    'variableString' => $_SESSION['variableString'] ?? null,
    'handler' => ini_get('session.save_handler'),
    'serializer' => ini_get('session.serialize_handler'),
    'pid' => getmypid(),
], $flags), "\n";
