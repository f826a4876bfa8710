import { bearer, NORTHWIND, SWIFTLOG, GLOBEX } from '../support/contract';
import { TestGateway } from '../support/test-app';
jest.setTimeout(120000);
it('scratch', async () => {
  const gw = await TestGateway.start();
  try {
    const nw = await gw.http.get('/api/v1/me').set('Authorization', await bearer(gw, { ...NORTHWIND, purpose: undefined }));
    console.log(nw.status, JSON.stringify(nw.body, null, 1).slice(0, 5000));
    const oa = await gw.http.get('/api/v1/me/openapi.json').set('Authorization', await bearer(gw, SWIFTLOG));
    console.log(oa.status, JSON.stringify(oa.body).slice(0, 3000));
    const sdl = await gw.http.get('/api/v1/me/schema.graphql').set('Authorization', await bearer(gw, GLOBEX));
    console.log(sdl.status, sdl.headers['content-type'], sdl.text);
    const al = await gw.http.get('/api/v1/me/access-log?limit=2').set('Authorization', await bearer(gw, GLOBEX));
    console.log(al.status, JSON.stringify(al.body).slice(0, 1500));
    await gw.http.get('/api/v1/shipments').set('Authorization', await bearer(gw, GLOBEX));
    const da = await gw.http.get('/api/v1/me/data-access').set('Authorization', await bearer(gw, SWIFTLOG));
    console.log(da.status, JSON.stringify(da.body).slice(0, 3000));
  } finally { await gw.stop(); }
});
