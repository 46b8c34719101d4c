// Stand-ins for the credentials manifests/project.yaml reads from the environment; the emulator
// accepts these. The demo (`npm start`) and the start-up benchmark use them; real values, when
// set, win in the demo.
export const DEMO_ENV: Readonly<Record<string, string>> = {
  AGORA_APP_ID: '0123456789abcdef0123456789abcdef',
  AGORA_CUSTOMER_ID: 'demo-customer-id',
  AGORA_CUSTOMER_SECRET: 'demo-customer-secret',
  AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
  AGORA_NOTIFICATION_SECRET: 'demo-notification-secret',
  S3_ACCESS_KEY: 'demo-access-key',
  S3_SECRET_KEY: 'demo-secret-key',
};
