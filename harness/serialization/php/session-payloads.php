<?php
/**
 * Deterministic session payload profiles, shared by the serialization bench and the
 * fixture generator (test/fixtures/php-sessions/generate.php). No randomness: the same
 * profile always serializes to the same bytes, so sizes are comparable run to run.
 */

declare(strict_types=1);

/** @return array<string, mixed> what the app keeps for a light user */
function psl_payload_tiny(): array
{
    return ['visit_count' => 42, 'variableString' => 'hello-world'];
}

/** @return array<string, mixed> a shop session: 50 cart lines, about 5 KB serialized */
function psl_payload_cart(): array
{
    $items = [];
    for ($i = 0; $i < 50; $i++) {
        $items[] = [
            'sku' => sprintf('SKU-%05d', $i * 37 % 100000),
            'qty' => $i % 5 + 1,
            'price' => round(3.99 + $i * 1.25, 2),
            'title' => "Item {$i}",
        ];
    }
    return [
        'visit_count' => 7,
        'variableString' => 'checkout',
        'user' => 'user-0042',
        'cart' => ['currency' => 'EUR', 'items' => $items, 'coupon' => null, 'gift' => false],
    ];
}

/** @return array<string, mixed> a heavy session: nested history and preferences, about 100 KB */
function psl_payload_large(): array
{
    $history = [];
    for ($i = 0; $i < 460; $i++) {
        $history[] = [
            'ts' => 1767225600 + $i * 61,
            'path' => "/catalog/category-" . ($i % 17) . "/product-{$i}",
            'ref' => $i % 3 === 0 ? null : "/search?q=term{$i}",
            'scores' => [$i * 0.5, $i % 7, ($i * 13) % 101],
            'flags' => ['seen' => $i % 2 === 0, 'liked' => $i % 11 === 0],
        ];
    }
    $prefs = [];
    for ($i = 0; $i < 60; $i++) {
        $prefs["pref_{$i}"] = ['enabled' => $i % 2 === 0, 'level' => $i, 'label' => str_repeat('x', 20)];
    }
    return [
        'visit_count' => 1234,
        'variableString' => str_repeat('large-session-', 8),
        'user' => 'user-9001',
        'history' => $history,
        'prefs' => $prefs,
    ];
}

/** @return array<string, callable(): array<string, mixed>> */
function psl_payload_profiles(): array
{
    return ['tiny' => 'psl_payload_tiny', 'cart' => 'psl_payload_cart', 'large' => 'psl_payload_large'];
}
