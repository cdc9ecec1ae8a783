// Storage adapters for oidc-provider.
//
// redisAdapter: on the lines of the Redis adapter its documentation shows (ioredis): one
// key per model instance with its TTL, consumable models (refresh tokens, codes) as a
// hash so `consume` marks them in place, and per grant a list of its tokens' keys for
// revocation. Each write is a single MULTI (one round trip), so the peer is not slowed by
// its adapter.
//
// memoryAdapter: the same in a Map. oidc-provider's own in-memory adapter is an LRU of
// 1,000 entries, which would drop the benchmark's pre-minted refresh tokens.
import Redis from 'ioredis';

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);
const CONSUMABLE = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

export function redisAdapter(url, prefix) {
  const client = new Redis(url, { keyPrefix: prefix, enableAutoPipelining: false });
  const grantKey = (id) => `grant:${id}`;
  const uidKey = (uid) => `uid:${uid}`;
  const userCodeKey = (code) => `userCode:${code}`;

  return class RedisAdapter {
    static client = client;

    constructor(name) {
      this.name = name;
      this.consumable = CONSUMABLE.has(name);
      this.grantable = GRANTABLE.has(name);
    }

    key(id) {
      return `${this.name}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const multi = client.multi();
      if (this.consumable) {
        multi.hset(key, 'payload', JSON.stringify(payload));
      } else {
        multi.set(key, JSON.stringify(payload));
      }
      if (expiresIn) multi.expire(key, expiresIn);
      if (this.grantable && payload.grantId) {
        const list = grantKey(payload.grantId);
        multi.rpush(list, key);
        if (expiresIn) {
          // The list lives as long as its longest-lived token (Redis ≥ 7: NX then GT).
          multi.expire(list, expiresIn, 'NX');
          multi.expire(list, expiresIn, 'GT');
        }
      }
      if (payload.uid) multi.set(uidKey(payload.uid), id, 'EX', expiresIn);
      if (payload.userCode) multi.set(userCodeKey(payload.userCode), id, 'EX', expiresIn);
      await multi.exec();
    }

    async find(id) {
      if (!id) return undefined;
      if (this.consumable) {
        const data = await client.hgetall(this.key(id));
        if (!data || !data.payload) return undefined;
        const { payload, ...rest } = data;
        const found = JSON.parse(payload);
        if (rest.consumed) found.consumed = Number(rest.consumed);
        return found;
      }
      const data = await client.get(this.key(id));
      return data ? JSON.parse(data) : undefined;
    }

    async findByUid(uid) {
      return this.find(await client.get(uidKey(uid)));
    }

    async findByUserCode(userCode) {
      return this.find(await client.get(userCodeKey(userCode)));
    }

    async destroy(id) {
      await client.del(this.key(id));
    }

    async consume(id) {
      await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
    }

    async revokeByGrantId(grantId) {
      const keys = await client.lrange(grantKey(grantId), 0, -1);
      const multi = client.multi();
      // The listed keys carry no prefix: del() adds it.
      for (const key of keys) multi.del(key);
      multi.del(grantKey(grantId));
      await multi.exec();
    }
  };
}

export function memoryAdapter() {
  const store = new Map();
  const now = () => Math.floor(Date.now() / 1000);
  const get = (key) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.exp && entry.exp <= now()) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  };
  const set = (key, value, expiresIn) => {
    store.set(key, { value, exp: expiresIn ? now() + expiresIn : 0 });
  };

  return class MemoryAdapter {
    constructor(name) {
      this.name = name;
      this.grantable = GRANTABLE.has(name);
    }

    key(id) {
      return `${this.name}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      set(key, payload, expiresIn);
      if (this.grantable && payload.grantId) {
        const list = get(`grant:${payload.grantId}`) || [];
        list.push(key);
        set(`grant:${payload.grantId}`, list, expiresIn);
      }
      if (payload.uid) set(`uid:${payload.uid}`, id, expiresIn);
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
    }

    async find(id) {
      return id ? get(this.key(id)) : undefined;
    }

    async findByUid(uid) {
      return this.find(get(`uid:${uid}`));
    }

    async findByUserCode(userCode) {
      return this.find(get(`userCode:${userCode}`));
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async consume(id) {
      const found = get(this.key(id));
      if (found) found.consumed = now();
    }

    async revokeByGrantId(grantId) {
      for (const key of get(`grant:${grantId}`) || []) store.delete(key);
      store.delete(`grant:${grantId}`);
    }
  };
}
