import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // The Kafka and Elasticsearch clients may be imported by their adapters only, so a client swap touches one file.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Use infra/kafka.ts.' },
            { name: '@platformatic/kafka', message: 'Use infra/kafka.ts.' },
            { name: '@elastic/elasticsearch', message: 'Use infra/elasticsearch.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['infra/kafka.ts', 'infra/elasticsearch.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
