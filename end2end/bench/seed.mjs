// Seeding for the browser benchmarks: a board of `n` creators as a CSV file, imported as a partner would.
import { api } from '../tests/harness.mjs';

// ---- Seeding: the same kind of file as chorus-bench's board_csv -----------------------------------

/** splitmix64, so that every run seeds the same board. */
function mix(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  const next = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  return {
    unit: () => Number(next() >> 11n) / 2 ** 53,
    below: (n) => Number(next() % BigInt(n)),
  };
}

const STAGE_SHARE = [
  ['prospect', 300], ['contacted', 180], ['negotiating', 110], ['contracted', 80], ['briefed', 70],
  ['content_in_progress', 70], ['posted', 60], ['paid', 50], ['declined', 50], ['archived', 30],
];
const FLOW = STAGE_SHARE.slice(0, 8).map(([s]) => s);

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** `n` creators with realistic figures (see chorus-bench's board_csv): tiers, engagement, reach, overdue next actions. */
export function boardCsv(n, owners, today = new Date()) {
  const FIRST = ['Ava', 'Marco', 'Priya', 'Lucía', 'Noah', 'Mei', 'Jonas', 'Amara', 'Leo', 'Sofia', 'Kai', 'Nora', 'Omar', 'Ines', 'Theo', 'Yuki'];
  const LAST = ['Chen', 'Bianchi', 'Nair', 'Gómez', 'Müller', 'Okafor', 'Larsen', 'Silva', 'Kowalski', 'Haddad', 'Tanaka', 'Dubois', 'Novak', 'Reyes', 'Andersen', 'Costa'];
  const COUNTRIES = [['US', 'en'], ['GB', 'en'], ['DE', 'de'], ['FR', 'fr'], ['ES', 'es'], ['BR', 'pt'], ['JP', 'ja'], ['IT', 'it']];
  const ACTIONS = ['Send the brief', 'Follow up on rates', 'Ask for media kit', 'Review draft', 'Confirm posting date', 'Send contract'];
  const PLATFORMS = ['instagram', 'instagram', 'instagram', 'tiktok', 'tiktok', 'youtube', 'x', 'twitch'];
  const rng = mix(0xc0ffee ^ n);
  const rows = [[
    'name', 'platform', 'handle', 'followers', 'avg_reach', 'avg_likes', 'avg_comments', 'avg_shares', 'avg_saves',
    'lane', 'stage', 'owner', 'next_action', 'next_action_due', 'country', 'language',
  ]];
  for (let i = 0; i < n; i++) {
    const first = FIRST[rng.below(FIRST.length)];
    const last = LAST[rng.below(LAST.length)];
    const platform = PLATFORMS[rng.below(PLATFORMS.length)];
    const followers = Math.round(500 * (3_000_000 / 500) ** rng.unit());
    const engagements = followers * (0.003 + 0.057 * rng.unit());
    const part = (share) => String(Math.round(engagements * share));
    const reach = rng.below(5) === 0 ? '' : String(Math.floor(followers * (0.1 + 0.5 * rng.unit())));
    let pick = rng.below(1000);
    let stage = 'prospect';
    for (const [s, share] of STAGE_SHARE) {
      if (pick < share) { stage = s; break; }
      pick -= share;
    }
    let action = '';
    let due = '';
    if (rng.below(3) !== 0) {
      const days = rng.below(51) - 20;
      action = ACTIONS[rng.below(ACTIONS.length)];
      due = new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    }
    const [country, language] = COUNTRIES[rng.below(COUNTRIES.length)];
    rows.push([
      `${first} ${last}`, platform, `${first.toLowerCase()}.${last.toLowerCase()}.${String(i).padStart(4, '0')}`,
      followers, reach, part(0.8), part(0.06), part(0.06), part(0.08),
      rng.below(3) === 0 ? 'ugc' : 'influencer', stage, owners.length ? owners[i % owners.length] : '',
      action, due, country, language,
    ]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export async function importCsv(server, cookie, campaignId, csv, filename) {
  const r = await fetch(`${server.base}/api/v1/campaigns/${campaignId}/imports?filename=${filename}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', cookie },
    body: csv,
  });
  const preview = await r.json();
  if (!r.ok) throw new Error(`CSV preview: ${r.status} ${JSON.stringify(preview)}`);
  if (preview.errors.length || preview.duplicates.length) throw new Error(`the generated file has problems: ${JSON.stringify(preview.errors.slice(0, 3))}`);
  const done = (await api(server, cookie, 'POST', `/api/v1/campaigns/${campaignId}/imports/${preview.import_id}/apply`, { mode: 'all' })).json;
  return done.imported;
}

