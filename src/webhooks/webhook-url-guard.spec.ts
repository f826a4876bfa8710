import { checkWebhookUrlForm, isBlockedAddress, RefusedWebhookUrl, resolveWebhookUrl } from './webhook-url-guard';

describe('webhook URL guard', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    'ff02::1',
    '2002:7f00:1::',
    '2002:a00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '::127.0.0.1',
    '::a00:1',
  ])('blocks %s', (address) => expect(isBlockedAddress(address)).toBe(true));

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets %s through', (address) =>
    expect(isBlockedAddress(address)).toBe(false),
  );

  it('refuses plain http in production unless private addresses are allowed, and credentials and other schemes always', () => {
    expect(() => checkWebhookUrlForm('http://hooks.example.com/x', { allowPrivate: false, production: true })).toThrow(RefusedWebhookUrl);
    expect(checkWebhookUrlForm('https://hooks.example.com/x', { allowPrivate: false, production: true }).host).toBe('hooks.example.com');
    expect(checkWebhookUrlForm('http://hooks.example.com/x', { allowPrivate: false, production: false }).protocol).toBe('http:');
    expect(checkWebhookUrlForm('http://hooks.example.com/x', { allowPrivate: true, production: true }).protocol).toBe('http:');
    expect(() => checkWebhookUrlForm('https://user:pw@hooks.example.com/x', { allowPrivate: true, production: false })).toThrow(RefusedWebhookUrl);
    expect(() => checkWebhookUrlForm('file:///etc/passwd', { allowPrivate: true, production: false })).toThrow(RefusedWebhookUrl);
  });

  it('resolves names and refuses one that resolves to loopback; pins the checked address', async () => {
    await expect(resolveWebhookUrl('http://localhost:8080/x', { allowPrivate: false, production: false })).rejects.toThrow(/resolves to/);
    const allowed = await resolveWebhookUrl('http://localhost:8080/x', { allowPrivate: true, production: false });
    expect(['127.0.0.1', '::1']).toContain(allowed.address);
    await expect(resolveWebhookUrl('https://[::ffff:10.1.2.3]/x', { allowPrivate: false, production: false })).rejects.toThrow(/resolves to/);
    expect((await resolveWebhookUrl('https://[::ffff:8.8.8.8]/x', { allowPrivate: false, production: false })).address).toBe('::ffff:808:808');
  });
});
