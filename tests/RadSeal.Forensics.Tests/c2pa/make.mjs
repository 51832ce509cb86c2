// Makes a signed C2PA test file with @trustnxt/c2pa-ts, an implementation nobody at RadSeal wrote.
// usage: node make.mjs MODE IN OUT KEY.pem CERT.pem
//   MODE = camera     one manifest: c2pa.created, digitalSourceType digitalCapture
//          ai         one manifest: c2pa.created, digitalSourceType trainedAlgorithmicMedia
//          converted  IN must carry a manifest: adds a new active manifest whose ingredient (parentOf) points at
//                     IN's active manifest and whose only action is c2pa.converted
import * as fs from 'node:fs/promises';
import { X509Certificate } from '@peculiar/x509';
import { JPEG, PNG } from '@trustnxt/c2pa-ts/asset';
import { CoseAlgorithmIdentifier, LocalSigner } from '@trustnxt/c2pa-ts/cose';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import {
    ActionAssertion, ActionType, DataHashAssertion, DigitalSourceType, IngredientAssertion, ManifestStore, RelationshipType,
} from '@trustnxt/c2pa-ts/manifest';

const [mode, input, output, keyPath, certPath] = process.argv.slice(2);
if (!output) {
    console.error('usage: node make.mjs camera|ai|converted IN OUT KEY.pem CERT.pem');
    process.exit(2);
}
const der = (pem) => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s/g, ''), 'base64');
const privateKey = der(await fs.readFile(keyPath, 'utf8'));
const certificate = new X509Certificate(der(await fs.readFile(certPath, 'utf8')));
const signer = new LocalSigner(privateKey, CoseAlgorithmIdentifier.ES256, certificate);

const bytes = await fs.readFile(input);
const isJpeg = JPEG.canRead(bytes);
const asset = isJpeg ? new JPEG(bytes) : new PNG(bytes);
const format = isJpeg ? 'image/jpeg' : 'image/png';

let store = new ManifestStore();
let previous;
const existing = asset.getManifestJUMBF();
if (mode === 'converted') {
    if (!existing) throw new Error(`${input} carries no C2PA manifest to convert from`);
    store = ManifestStore.read(SuperBox.fromBuffer(existing));
    previous = store.getActiveManifest();
}
const manifest = store.createManifest({
    assetFormat: format,
    instanceID: `xmp:iid:${crypto.randomUUID()}`,
    defaultHashAlgorithm: 'SHA-256',
    signer,
});
manifest.claim.claimGeneratorName = 'c2pa-ts-peer';
manifest.claim.claimGeneratorVersion = '0.9.4';

const actions = new ActionAssertion();
if (mode === 'converted') {
    const ingredient = IngredientAssertion.create('parent', format, previous.claim.instanceID);
    ingredient.relationship = RelationshipType.ParentOf;
    ingredient.c2pa_manifest = manifest.createHashedReference(`/c2pa/${previous.label}/${previous.claim.label ?? 'c2pa.claim.v2'}`);
    manifest.addAssertion(ingredient);
    // The spec wants a manifest's first action to be c2pa.created or c2pa.opened; the conversion follows it.
    actions.actions.push({
        action: ActionType.C2paOpened,
        parameters: { ingredients: [manifest.createHashedReference('c2pa.assertions/c2pa.ingredient')] },
    });
    actions.actions.push({
        action: ActionType.C2paConverted,
    });
} else {
    actions.actions.push({
        action: ActionType.C2paCreated,
        digitalSourceType: mode === 'ai' ? DigitalSourceType.TrainedAlgorithmicMedia : DigitalSourceType.DigitalCapture,
        softwareAgent: { name: mode === 'ai' ? 'Example Diffusion Model' : 'Example Camera' },
    });
}
manifest.addAssertion(actions);

const hash = DataHashAssertion.create('SHA-256');
manifest.addAssertion(hash);
await asset.ensureManifestSpace(store.measureSize());
await hash.updateWithAsset(asset);
await manifest.sign(signer);
await asset.writeManifestJUMBF(store.getBytes());
await fs.writeFile(output, await asset.getDataRange());

// c2pa-ts's own reading of what it wrote, for the test log.
const check = isJpeg ? new JPEG(await fs.readFile(output)) : new PNG(await fs.readFile(output));
const result = await ManifestStore.read(SuperBox.fromBuffer(check.getManifestJUMBF())).validate(check);
console.log(JSON.stringify({ output, valid: result.isValid, codes: result.statusEntries.map((e) => e.code) }));
